// --limit-train-batches / --limit-eval-batches (flags or YAML keys): a short run trains and evaluates only a prefix of
// each pass, counts only the kept batches in its schedule, says so in its log and config.yaml, and rejects bad values
// (BadInputTests). Evaluation runs in batches of --batch-size, so `sprout eval` repeats the run's last numbers exactly.
using System.Text.Json;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests;

public sealed class LimitBatchesTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void LimitedRunTakesOnlyTheFirstBatches()
    {
        var r = _cli.Train("short", "--limit-train-batches", "3", "--limit-eval-batches", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(6, Checkpoint.ReadInfo(_cli.PathOf("short", "last.safetensors")).Step); // 2 epochs × 3 of the 15 batches
        Assert.Contains("limited to 3 train batches/epoch | limited to 1 eval batches", File.ReadAllText(_cli.PathOf("short", "train.log")));
        string config = File.ReadAllText(_cli.PathOf("short", "config.yaml"));
        Assert.Contains("limit-train-batches: 3", config);
        Assert.Contains("limit-eval-batches: 1", config);
    }

    [Fact]
    public void LimitsComeFromAConfigFileToo()
    {
        string path = _cli.PathOf("short.yaml");
        File.WriteAllText(path, "limit-train-batches: 2\nlimit-eval-batches: 1\n");
        var r = _cli.Train("yaml", "--config", path);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(4, Checkpoint.ReadInfo(_cli.PathOf("yaml", "last.safetensors")).Step);
    }

    [Fact]
    public void ALimitAboveTheEpochChangesNothing()
    {
        Assert.Equal(0, _cli.Train("all").ExitCode);
        Assert.Equal(0, _cli.Train("limit", "--limit-train-batches", "1000", "--limit-eval-batches", "1000").ExitCode);
        Assert.Equal(TrainCommandTests.WithoutTiming(_cli.PathOf("all", "metrics.jsonl")), TrainCommandTests.WithoutTiming(_cli.PathOf("limit", "metrics.jsonl")));
    }

    [Fact]
    public void EvalRepeatsTheRunsLastEvaluationExactly()
    {
        Assert.Equal(0, _cli.Train("run", "--batch-size", "64").ExitCode);
        var eval = CliRunner.Run("eval", "--checkpoint", _cli.PathOf("run", "last.safetensors"), "--json");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        using var e = JsonDocument.Parse(eval.Output);
        using var s = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("run", "summary.json")));
        Assert.Equal(s.RootElement.GetProperty("test_loss").GetDouble(), e.RootElement.GetProperty("loss").GetDouble());
        Assert.Equal(s.RootElement.GetProperty("test_accuracy").GetDouble(), e.RootElement.GetProperty("accuracy").GetDouble());
    }
}
