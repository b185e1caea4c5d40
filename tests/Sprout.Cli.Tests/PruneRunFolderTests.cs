// `sprout prune imp` writes a normal run folder (issue 11, defect 11): summary.json with one row per round and
// round-<r>/best.safetensors that `sprout eval` loads to the very accuracy the round reported; an existing folder
// is refused without --overwrite like any run.
using System.Text.Json;

namespace Sprout.Cli.Tests;

public sealed class PruneRunFolderTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void EveryRoundIsACheckpointThatEvalReproduces()
    {
        string run = _cli.PathOf("imp");
        string[] args = ["prune", "imp", "--data", "digits", "--model", "mlp:16", "--rounds", "2", "--density", "0.3", "--epochs", "1", "--out", run];
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
        var rounds = summary.RootElement.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal(3, rounds.Count);
        foreach (var round in rounds)
        {
            string checkpoint = Path.Combine(run, round.GetProperty("checkpoint").GetString()!);
            var eval = CliRunner.Run("eval", "--checkpoint", checkpoint, "--json");
            Assert.True(eval.ExitCode == 0, eval.ToString());
            using var result = JsonDocument.Parse(eval.Output);
            Assert.Equal(round.GetProperty("test_accuracy").GetDouble(), result.RootElement.GetProperty("accuracy").GetDouble(), 6);
        }
        Assert.Equal(2, CliRunner.Run(args).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. args, "--overwrite"]).ExitCode);
    }
}
