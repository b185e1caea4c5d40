// `sprout train` end to end on the embedded digits with tiny models: the run files and their keys,
// determinism, overwrite protection, config-file precedence, resume and the NaN stop.
using System.Text.Json;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void TrainWritesTheRunFiles()
    {
        var r = _cli.Train("run");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("epoch 2/2", r.Output);
        Assert.Contains("done: test accuracy", r.Output);
        Assert.Equal("", r.Error);

        string[] metrics = File.ReadAllLines(_cli.PathOf("run", "metrics.jsonl"));
        Assert.Equal(2, metrics.Length);
        using (var line = JsonDocument.Parse(metrics[1]))
        {
            foreach (string key in new[] { "epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "samples_per_second", "seconds" })
                Assert.True(line.RootElement.TryGetProperty(key, out _), key);
            Assert.Equal(2, line.RootElement.GetProperty("epoch").GetInt32());
        }
        using var summary = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("run", "summary.json")));
        var s = summary.RootElement;
        foreach (string key in new[] { "dataset", "model", "method", "density", "epochs", "test_accuracy", "test_loss", "train_seconds",
                     "epoch_seconds_median", "params_total", "params_nonzero", "seed", "version", "config" })
            Assert.True(s.TryGetProperty(key, out _), key);
        Assert.Equal("digits", s.GetProperty("dataset").GetString());
        Assert.Equal("mlp:16", s.GetProperty("model").GetString());
        Assert.Equal("dense", s.GetProperty("method").GetString());
        Assert.Equal(2, s.GetProperty("epochs").GetInt32());
        Assert.Equal(64 * 16 + 16 + 16 * 10 + 10, s.GetProperty("params_total").GetInt64());
        Assert.True(s.GetProperty("test_accuracy").GetDouble() > 0.5);
        Assert.Equal(2, s.GetProperty("config").GetProperty("epochs").GetInt32());

        Assert.Contains("epochs: 2", File.ReadAllText(_cli.PathOf("run", "config.yaml")));
        Assert.Contains("epoch 2/2", File.ReadAllText(_cli.PathOf("run", "train.log")));
        var checkpoint = SafetensorsFile.Read(_cli.PathOf("run", "last.safetensors"));
        Assert.Equal("2", checkpoint.Metadata[Checkpoint.EpochKey]);
        Assert.True(File.Exists(_cli.PathOf("run", "best.safetensors")));
    }

    [Fact]
    public void SameSeedGivesIdenticalMetrics()
    {
        Assert.Equal(0, _cli.Train("a", "--seed", "5").ExitCode);
        Assert.Equal(0, _cli.Train("b", "--seed", "5").ExitCode);
        Assert.Equal(WithoutTiming(_cli.PathOf("a", "metrics.jsonl")), WithoutTiming(_cli.PathOf("b", "metrics.jsonl")));
        Assert.Equal(0, _cli.Train("c", "--seed", "6").ExitCode);
        Assert.NotEqual(WithoutTiming(_cli.PathOf("a", "metrics.jsonl")), WithoutTiming(_cli.PathOf("c", "metrics.jsonl")));
    }

    [Fact]
    public void ExistingRunNeedsOverwrite()
    {
        Assert.Equal(0, _cli.Train("run", "--epochs", "1").ExitCode);
        var again = _cli.Train("run", "--epochs", "1");
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists; pass --overwrite", again.ErrorLine);
        var forced = _cli.Train("run", "--epochs", "1", "--overwrite");
        Assert.True(forced.ExitCode == 0, forced.ToString());
    }

    [Fact]
    public void FlagsOverrideTheConfigFile()
    {
        string config = _cli.PathOf("c.yaml");
        File.WriteAllText(config, "# test\nmodel: mlp:8\nepochs: 3\nlr: 0.05\nmilestones: [1, 2]\nschedule: multistep\n");
        var r = CliRunner.Run("train", "--config", config, "--epochs", "2", "--out", _cli.PathOf("run"));
        Assert.True(r.ExitCode == 0, r.ToString());
        string resolved = File.ReadAllText(_cli.PathOf("run", "config.yaml"));
        Assert.Contains("model: mlp:8\n", resolved);
        Assert.Contains("epochs: 2\n", resolved);
        Assert.Contains("lr: 0.05\n", resolved);
        Assert.Contains("milestones: [1, 2]\n", resolved);
        Assert.Equal(2, File.ReadAllLines(_cli.PathOf("run", "metrics.jsonl")).Length);

        // The resolved config.yaml reproduces the run.
        var again = CliRunner.Run("train", "--config", _cli.PathOf("run", "config.yaml"), "--out", _cli.PathOf("again"));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(WithoutTiming(_cli.PathOf("run", "metrics.jsonl")), WithoutTiming(_cli.PathOf("again", "metrics.jsonl")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumeContinuesBitExactly(bool namingTheSameFolder)
    {
        // A constant rate, so that the 1-epoch run's schedule equals the first half of the 2-epoch run's
        // (a cosine over 1 epoch is not the first half of a cosine over 2); the optimizer state still matters.
        Assert.Equal(0, _cli.Train("straight", "--schedule", "constant").ExitCode);
        Assert.Equal(0, _cli.Train("split", "--epochs", "1", "--schedule", "constant").ExitCode);
        string[] resume = ["train", "--resume", _cli.PathOf("split", "last.safetensors"), "--epochs", "2"];
        var resumed = CliRunner.Run(namingTheSameFolder ? [.. resume, "--out", _cli.PathOf("split")] : resume);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("epoch 2/2", resumed.Output);

        var a = SafetensorsFile.Read(_cli.PathOf("straight", "last.safetensors"));
        var b = SafetensorsFile.Read(_cli.PathOf("split", "last.safetensors"));
        Assert.Equal(a.Entries.Select(e => e.Name), b.Entries.Select(e => e.Name));
        foreach (var e in a.Entries) Assert.Equal(a.ToArray(e.Name), b.ToArray(e.Name));
        Assert.Equal(WithoutTiming(_cli.PathOf("straight", "metrics.jsonl")), WithoutTiming(_cli.PathOf("split", "metrics.jsonl")));
    }

    [Fact]
    public void ValidationSplitIsEvaluatedEachEpoch()
    {
        var r = _cli.Train("val", "--validation", "0.25", "--epochs", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1076 train / 362 val / 359 test", r.Output); // stratified 25% of each class, rounded
        using var line = JsonDocument.Parse(File.ReadAllLines(_cli.PathOf("val", "metrics.jsonl"))[0]);
        Assert.InRange(line.RootElement.GetProperty("val_accuracy").GetDouble(), 0, 1);
        Assert.True(line.RootElement.GetProperty("val_loss").GetDouble() > 0);
    }

    [Fact]
    public void AdamAndStepScheduleWithWarmupAndClipping()
    {
        var r = _cli.Train("adam", "--optimizer", "adamw", "--schedule", "step", "--step-size", "1", "--warmup-epochs", "0.5",
            "--clip-norm", "1", "--label-smoothing", "0.1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("adamw lr 0.001", r.Output);
    }

    [Fact]
    public void ResumeAtTheEndIsAnError()
    {
        Assert.Equal(0, _cli.Train("done", "--epochs", "1").ExitCode);
        var r = CliRunner.Run("train", "--resume", _cli.PathOf("done", "last.safetensors"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("already has 1 epochs", r.ErrorLine);
    }

    [Fact]
    public void NonFiniteLossStopsWithExitCode3()
    {
        var r = _cli.Train("nan", "--model", "linear", "--lr", "1e30", "--schedule", "constant", "--momentum", "0");
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Matches("epoch 1, step \\d+", r.ErrorLine);
        Assert.Contains("Try a lower --lr", r.ErrorLine);
        using var summary = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("nan", "summary.json")));
        Assert.Equal("non_finite_loss", summary.RootElement.GetProperty("status").GetString());
    }

    internal static string[] WithoutTiming(string metricsPath) =>
        File.ReadAllLines(metricsPath).Select(line =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            foreach (string key in Sprout.Training.Runs.MetricsJson.TimingFields) node.Remove(key);
            return node.ToJsonString();
        }).ToArray();
}
