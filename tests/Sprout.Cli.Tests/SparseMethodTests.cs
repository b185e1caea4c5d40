// `sprout train --method <sparse>` end to end on the embedded digits: the sparse run trains, prints the per-layer
// table, and summary.json carries per-layer density/nnz and FLOPs relative to dense.
using System.Text.Json;

namespace Sprout.Cli.Tests;

public sealed class SparseMethodTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("rigl", "csr")]
    [InlineData("set", "masked")]
    [InlineData("snip", "csr")]
    [InlineData("synflow", "csr")]
    public void SparseRunWritesSparsitySummary(string method, string kind)
    {
        var r = _cli.Train(method, "--model", "mlp:32,16", "--method", method, "--density", "0.3", "--layer-kind", kind, "--update-every", "3");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("density", r.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf(method, "summary.json")));
        var sp = doc.RootElement.GetProperty("sparsity");
        Assert.Equal(3, sp.GetProperty("layers").GetArrayLength());
        double rel = sp.GetProperty("train_flops_relative_to_dense").GetDouble();
        if (kind == "masked") Assert.Equal(1.0, rel, 6);
        else Assert.InRange(rel, 0.25, 0.45); // ≈ density (+ RigL's dense gradient at updates)
        Assert.Equal(0.3, doc.RootElement.GetProperty("density").GetDouble(), 6);
    }

    [Fact]
    public void ALayerLeftWithoutLiveWeightsIsWarnedAboutBeforeTraining()
    {
        // SNIP ranks the 64×16 hidden layer alone (the classifier is kept dense): 0.04% of it rounds to no weight at all.
        var r = _cli.Train("collapse", "--model", "mlp:16", "--method", "snip", "--density", "0.0004", "--dense-last-layer");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("warning: layer", r.Output + r.Error);
        Assert.Contains("has no live weights", r.Output + r.Error);
    }
}
