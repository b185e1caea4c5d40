// Run directory tests: no accidental overwrite, --overwrite only replaces run-looking folders, resume
// trims metrics of epochs that will be redone, and the callbacks write metrics/checkpoints.
using System.Text.Json;
using Sprout.TestSupport;
using Sprout.Training.Runs;

namespace Sprout.Training.Tests.Runs;

public sealed class RunDirectoryTests : IDisposable
{
    private readonly TempDir _root = new("sprout-run");

    public void Dispose() => _root.Dispose();

    [Fact]
    public void ExistingRunIsNotOverwrittenWithoutPermission()
    {
        string path = _root.PathOf("r");
        using (var run = RunDirectory.Create(path, overwrite: false)) run.WriteText(RunDirectory.ConfigFile, "epochs: 1\n");
        var e = Assert.Throws<IOException>(() => RunDirectory.Create(path, overwrite: false));
        Assert.Contains("--overwrite", e.Message);
        RunDirectory.Create(path, overwrite: true).Dispose();
        Assert.False(File.Exists(Path.Combine(path, RunDirectory.ConfigFile)));
    }

    [Fact]
    public void OnlyAMissingOrEmptyFolderIsFree()
    {
        Assert.True(RunDirectory.IsFree(_root.PathOf("missing")));
        string path = Directory.CreateDirectory(_root.PathOf("empty")).FullName;
        Assert.True(RunDirectory.IsFree(path));
        File.WriteAllText(Path.Combine(path, "notes.txt"), "x");
        Assert.False(RunDirectory.IsFree(path));
    }

    [Fact]
    public void OverwriteRefusesFoldersThatAreNotRuns()
    {
        string path = _root.PathOf("precious");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "thesis.tex"), "...");
        var e = Assert.Throws<IOException>(() => RunDirectory.Create(path, overwrite: true));
        Assert.Contains("Refusing to overwrite", e.Message);
        Assert.True(File.Exists(Path.Combine(path, "thesis.tex")));
    }

    [Fact]
    public void EmptyExistingFolderIsFine()
    {
        string path = _root.PathOf("empty");
        Directory.CreateDirectory(path);
        using var run = RunDirectory.Create(path, overwrite: false);
        Assert.Equal(path, run.FullPath);
    }

    [Fact]
    public void CallbacksWriteMetricsAndCheckpoints()
    {
        var run = RunDirectory.Create(_root.PathOf("cb"), overwrite: false);
        run.Dispose(); // the lock is released; the files stay writable (Continue below takes the lock again)
        var (train, test) = (new Blobs(seed: 21), new Blobs(samples: 30, seed: 21, shuffle: false));
        var trainer = TrainerTests.Make(train);
        var checkpoints = new CheckpointCallback(run);
        trainer.Callbacks.Add(new MetricsCallback(run));
        trainer.Callbacks.Add(checkpoints);
        var results = trainer.Fit(train, test, 3);

        string[] lines = File.ReadAllLines(run.PathOf(RunDirectory.MetricsFile));
        Assert.Equal(3, lines.Length);
        using var doc = JsonDocument.Parse(lines[2]);
        Assert.Equal(["epoch", "step", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr", "samples_per_second", "seconds", "eval_seconds"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, doc.RootElement.GetProperty("epoch").GetInt32());
        Assert.True(File.Exists(run.PathOf(RunDirectory.LastCheckpointFile)));
        Assert.True(File.Exists(run.PathOf(RunDirectory.BestCheckpointFile)));
        Assert.Equal(results.Max(r => r.TestAccuracy), checkpoints.BestAccuracy);

        Assert.Equal(results.Select(r => (r.Epoch, r.TestAccuracy, r.TestLoss, Math.Round(r.Seconds, 4))),
            run.ReadMetrics().Select(m => (m.Epoch, m.TestAccuracy, m.TestLoss, m.Seconds)));

        // Resuming after epoch 1 drops the lines of epochs 2 and 3.
        RunDirectory.Continue(run.FullPath, completedEpochs: 1).Dispose();
        Assert.Single(File.ReadAllLines(run.PathOf(RunDirectory.MetricsFile)));
    }

    [Fact]
    public void MetricsReaderSkipsLinesWithoutAnEpochAndReadsNullAsNaN()
    {
        Assert.Null(MetricsJson.Parse(""));
        Assert.Null(MetricsJson.Parse("{\"epoch\": 3, \"test_acc"));
        Assert.Null(MetricsJson.Parse("[1, 2]"));
        Assert.Null(MetricsJson.Parse("{\"step\": 3}"));
        var line = MetricsJson.Parse("{\"epoch\": 3, \"test_loss\": null, \"test_accuracy\": 0.5}");
        Assert.Equal(new MetricsLine(3, 0.5, double.NaN, double.NaN), line);
    }

    [Fact]
    public void DefaultNameIsPathFriendly()
    {
        string name = RunDirectory.DefaultName("mnist", "mlp:300,100", "dense", new DateTime(2025, 1, 2, 3, 4, 5));
        Assert.Equal("mnist-mlp-300-100-dense-20250102-030405", name);
    }

    [Fact]
    public void SummaryHasTheDocumentedKeys()
    {
        using var run = RunDirectory.Create(_root.PathOf("s"), overwrite: false);
        run.WriteSummary(new RunSummary
        {
            Dataset = "digits", Model = "mlp:32", Method = "dense", Density = 1, Epochs = 2, TestAccuracy = 0.9, TestLoss = 0.3,
            BestTestAccuracy = 0.91, BestEpoch = 1, TrainSeconds = 1.5, EpochSecondsMedian = 0.75, ParamsTotal = 100, ParamsNonzero = 99,
            Seed = 42, Version = "0.1.0", Config = new() { ["epochs"] = 2 },
        });
        using var doc = JsonDocument.Parse(File.ReadAllText(run.PathOf(RunDirectory.SummaryFile)));
        string[] required = ["dataset", "model", "method", "density", "epochs", "test_accuracy", "test_loss", "train_seconds",
            "epoch_seconds_median", "params_total", "params_nonzero", "seed", "version", "config"];
        Assert.All(required, k => Assert.True(doc.RootElement.TryGetProperty(k, out _), k));
        Assert.Equal(2, doc.RootElement.GetProperty("config").GetProperty("epochs").GetInt32());
    }
}
