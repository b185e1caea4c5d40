// GemmBenchmark: a tiny report has the JSON shape the CLI prints, with sane numbers (not a performance test).
using System.Text.Json;
using Sprout.Kernels.Diagnostics;

namespace Sprout.Kernels.Tests.Diagnostics;

[Collection(ThreadsCollection.Name)]
public sealed class GemmBenchmarkTests
{
    [Fact]
    public void ReportHasCliJsonShape()
    {
        int saved = Parallelism.Threads;
        var report = GemmBenchmark.Run(threads: 2, sizes: [16, 64], peakDuration: TimeSpan.FromMilliseconds(20));
        Assert.Equal(saved, Parallelism.Threads);
        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;
        Assert.True(root.GetProperty("peak_gflops").GetDouble() > 0);
        var results = root.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.Equal(16, results[0].GetProperty("n").GetInt32());
        Assert.True(results[1].GetProperty("gflops").GetDouble() > 0);
        Assert.True(results[1].GetProperty("fraction_of_peak").GetDouble() > 0);
        Assert.True(results[1].GetProperty("cores_used").GetDouble() > 0);
    }
}
