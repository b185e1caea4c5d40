// eval, data list, --version, help and the bench commands.
using System.Text.Json;

namespace Sprout.Cli.Tests;

public sealed class OtherCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void EvalReportsTheCheckpointsTestAccuracy()
    {
        Assert.Equal(0, _cli.Train("run").ExitCode);
        string checkpoint = _cli.PathOf("run", "last.safetensors");
        var text = CliRunner.Run("eval", "--checkpoint", checkpoint);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("digits test: accuracy", text.Output);

        var json = CliRunner.Run("eval", "--checkpoint", checkpoint, "--json");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Output);
        double accuracy = doc.RootElement.GetProperty("accuracy").GetDouble();
        Assert.Equal(359, doc.RootElement.GetProperty("samples").GetInt32());
        // Same number the training run recorded for its last epoch.
        using var summary = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("run", "summary.json")));
        Assert.Equal(summary.RootElement.GetProperty("test_accuracy").GetDouble(), accuracy, 12);
    }

    [Fact]
    public void EvalWithAnotherModelSpecIsAOneLineError()
    {
        Assert.Equal(0, _cli.Train("run", "--epochs", "1").ExitCode);
        var r = CliRunner.Run("eval", "--checkpoint", _cli.PathOf("run", "last.safetensors"), "--model", "mlp:32");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("check --model", r.ErrorLine);
    }

    [Fact]
    public void DataListShowsEmbeddedDigits()
    {
        var r = CliRunner.Run("data", "list");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"digits\s+available\s+embedded", r.Output);
        Assert.Contains("mnist", r.Output);
    }

    [Fact]
    public void BenchGemmPrintsOneJsonObject()
    {
        var r = CliRunner.Run("bench", "gemm", "--json", "--sizes", "64,96", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Output);
        Assert.True(doc.RootElement.GetProperty("peak_gflops").GetDouble() > 0);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([64, 96], results.Select(e => e.GetProperty("n").GetInt32()));
        Assert.All(results, e => Assert.True(e.GetProperty("gflops").GetDouble() > 0 && e.GetProperty("fraction_of_peak").GetDouble() > 0));

        var bad = CliRunner.Run("bench", "gemm", "--sizes", "64,x");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--sizes", bad.ErrorLine);
    }

    [Fact]
    public void BenchSparseRejectsBadDensities()
    {
        // The measurement itself (4096² layers, ~20 s) is covered by the Sparse library tests on small shapes.
        var bad = CliRunner.Run("bench", "sparse", "--densities", "0.05,2");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--densities", bad.ErrorLine);
    }

    [Theory]
    [InlineData("10,0", "'0'")]        // not positive
    [InlineData("10, x ", "'x'")]      // items are trimmed before they are judged
    [InlineData("10,-5", "'-5'")]
    public void BenchScaleRejectsBadWidthsNamingTheItem(string widths, string item)
    {
        var bad = CliRunner.Run("bench", "scale", "--widths", widths);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--widths", bad.ErrorLine);
        Assert.Contains(item, bad.ErrorLine);
    }

    [Fact]
    public void VersionAndHelp()
    {
        var version = CliRunner.Run("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("0.1.0", version.Output.Trim());

        var help = CliRunner.Run("train", "--help");
        Assert.Equal(0, help.ExitCode);
        foreach (string flag in new[] { "--data", "--model", "--epochs", "--lr", "--optimizer", "--schedule", "--config", "--resume", "--overwrite", "--plain" })
            Assert.Contains(flag, help.Output);

        foreach (var method in Sprout.Cli.Methods.MethodRegistry.All)
            Assert.Contains(method.Name, help.Output); // the --method help lists every registered method

        var bare = CliRunner.Run();
        Assert.Equal(0, bare.ExitCode);
        Assert.Contains("train", bare.Output);
    }
}
