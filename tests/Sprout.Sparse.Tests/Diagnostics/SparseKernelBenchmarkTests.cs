// The sparse-vs-dense measurement on a tiny shape: every (density, op) row is present, numbers are positive
// and consistent, and the JSON has exactly the shape the CLI prints.
using System.Text.Json;
using Sprout.Sparse.Diagnostics;

namespace Sprout.Sparse.Tests.Diagnostics;

public class SparseKernelBenchmarkTests
{
    [Fact]
    public void TinyRun_ReportsEveryOpAtEveryDensityAsJson()
    {
        var options = new SparseBenchOptions { Inputs = 96, Outputs = 64, Batch = 20, Densities = [0.5, 0.05], MaxRepetitions = 2 };
        var lines = new List<string>();
        var report = SparseKernelBenchmark.Run(options, lines.Add);

        Assert.Equal(8, report.Results.Count);
        Assert.Equal(3, lines.Count);
        foreach (double d in options.Densities)
            foreach (string op in SparseKernelBenchmark.Ops)
            {
                var row = report.Find(d, op);
                Assert.NotNull(row);
                Assert.True(row.SparseMs > 0 && row.DenseMs > 0);
                Assert.InRange(row.Speedup, 0.9 * row.DenseMs / row.SparseMs, 1.1 * row.DenseMs / row.SparseMs); // ms are rounded to 0.1 µs
            }

        using var json = JsonDocument.Parse(report.ToJson());
        var results = json.RootElement.GetProperty("results");
        Assert.Equal(8, results.GetArrayLength());
        var first = results[0];
        Assert.Equal(["density", "op", "sparse_ms", "dense_ms", "speedup"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.5, first.GetProperty("density").GetDouble());
        Assert.Equal("forward", first.GetProperty("op").GetString());
    }

    [Fact]
    public void InvalidOptions_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => SparseKernelBenchmark.Run(new SparseBenchOptions { Densities = [0] }));
        Assert.Throws<ArgumentException>(() => SparseKernelBenchmark.Run(new SparseBenchOptions { Batch = 0 }));
        Assert.Throws<ArgumentException>(() => SparseKernelBenchmark.Run(new SparseBenchOptions { MaxRepetitions = 0 }));
    }
}
