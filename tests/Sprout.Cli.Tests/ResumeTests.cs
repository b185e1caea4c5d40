// Resume tests for every method whose state changes while it trains: 3 epochs straight must equal 1 epoch
// (--stop-after 1, same planned --epochs so every schedule is the same) + --resume to 3, bit for bit, in every
// tensor of the final checkpoint (weights, sparse structures, optimizer and method state) and in metrics.jsonl.
// Updates are made frequent so that several happen before and after the split on the embedded digits. The same holds
// for a ResNet stopped while ToST's ghost skip paths are still attached.
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests;

public sealed class ResumeTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string> Methods() =>
        ["set", "rigl", "gse", "gse-graest", "dst-ee", "snfs", "snfs-sparse", "topkast", "spartan", "gmp"];

    [Theory]
    [MemberData(nameof(Methods))]
    public void StopAndResumeEqualsTrainingStraight(string method)
    {
        string[] common = ["--method", method, "--density", "0.2", "--epochs", "3", "--update-every", "4", "--end-fraction", "0.9",
            "--topkast-refresh", "4", "--snfs-prune-rate", "0.3"];
        var straight = _cli.Train("straight", common);
        Assert.True(straight.ExitCode == 0, straight.ToString());
        var first = _cli.Train("split", [.. common, "--stop-after", "1"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var resumed = CliRunner.Run("train", "--resume", _cli.PathOf("split", "last.safetensors"));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());

        var a = SafetensorsFile.Read(_cli.PathOf("straight", "last.safetensors"));
        var b = SafetensorsFile.Read(_cli.PathOf("split", "last.safetensors"));
        Assert.Equal(a.Entries.Select(e => (e.Name, e.Dtype)), b.Entries.Select(e => (e.Name, e.Dtype)));
        foreach (var e in a.Entries) Assert.True(Same(a.ToTypedArray(e.Name), b.ToTypedArray(e.Name)), $"{method}: tensor '{e.Name}' differs after resuming");
        Assert.Equal(TrainCommandTests.WithoutTiming(_cli.PathOf("straight", "metrics.jsonl")), TrainCommandTests.WithoutTiming(_cli.PathOf("split", "metrics.jsonl")));
        Assert.Equal(3, File.ReadAllLines(_cli.PathOf("split", "metrics.jsonl")).Length);
    }

    [Fact]
    public void AStopInsideTheGhostPhaseResumesBitExactly()
    {
        // ToST's ghost skip paths live until epoch 2 of 3, so the split at epoch 1 falls inside the ghost phase: the
        // resumed run must continue with the ghosts' weights, BatchNorm statistics and optimizer momentum as saved.
        string[] common = ["--model", "resnet8", "--batch-size", "64", "--epochs", "3", "--ghost-skips", "--tost-switch", "0.67"];
        var straight = _cli.Train("straight", common);
        Assert.True(straight.ExitCode == 0, straight.ToString());
        var first = _cli.Train("split", [.. common, "--stop-after", "1"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var middle = SafetensorsFile.Read(_cli.PathOf("split", "last.safetensors"));
        Assert.Contains(middle.Entries, e => e.Name.StartsWith("tost.ghost_optimizer.", StringComparison.Ordinal));
        var resumed = CliRunner.Run("train", "--resume", _cli.PathOf("split", "last.safetensors"));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());

        var a = SafetensorsFile.Read(_cli.PathOf("straight", "last.safetensors"));
        var b = SafetensorsFile.Read(_cli.PathOf("split", "last.safetensors"));
        Assert.Equal(a.Entries.Select(e => e.Name), b.Entries.Select(e => e.Name));
        Assert.DoesNotContain(a.Entries, e => e.Name.Contains("ghost", StringComparison.Ordinal));   // removed at the switch
        foreach (var e in a.Entries) Assert.True(Same(a.ToTypedArray(e.Name), b.ToTypedArray(e.Name)), $"tensor '{e.Name}' differs after resuming");
        Assert.Equal(TrainCommandTests.WithoutTiming(_cli.PathOf("straight", "metrics.jsonl")), TrainCommandTests.WithoutTiming(_cli.PathOf("split", "metrics.jsonl")));
    }

    [Fact]
    public void DynamicCheckpointsStoreTheirStructureAndState()
    {
        Assert.Equal(0, _cli.Train("rigl", "--method", "rigl", "--density", "0.2", "--epochs", "1", "--update-every", "4").ExitCode);
        var file = SafetensorsFile.Read(_cli.PathOf("rigl", "last.safetensors"));
        var indptr = (int[])file.ToTypedArray("1.weight.indptr");
        var indices = (int[])file.ToTypedArray("1.weight.indices");
        var shape = (long[])file.ToTypedArray("1.weight.shape");
        Assert.Equal(("I32", "I32", "I64"), (file.Entry("1.weight.indptr").Dtype, file.Entry("1.weight.indices").Dtype, file.Entry("1.weight.shape").Dtype));
        Assert.Equal(shape[0] + 1, indptr.Length);
        Assert.Equal(indices.Length, indptr[^1]);
        Assert.Equal(indices.Length, file.Entry("1.weight").ElementCount);
        Assert.Equal(indices.Length, file.Entry("optimizer.1.weight.momentum").ElementCount);
        Assert.True(file.Contains("topology.rng") && file.Contains("topology.updates"));
        Assert.Contains("indptr", file.Metadata[Checkpoint.LayoutKey]);

        // Evaluation loads the stored topology, not one rebuilt from the seed: it reproduces the run's accuracy.
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(_cli.PathOf("rigl", "summary.json")));
        double accuracy = summary.RootElement.GetProperty("test_accuracy").GetDouble();
        var eval = CliRunner.Run("eval", "--checkpoint", _cli.PathOf("rigl", "last.safetensors"));
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"accuracy {100 * accuracy:F2}%"), eval.Output);
    }

    [Fact]
    public void ResumingWithAnotherMethodIsAOneLineError()
    {
        Assert.Equal(0, _cli.Train("set", "--method", "set", "--density", "0.2", "--epochs", "2", "--stop-after", "1").ExitCode);
        var r = CliRunner.Run("train", "--resume", _cli.PathOf("set", "last.safetensors"), "--method", "topkast");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--method", r.Error);
        Assert.Single(r.Error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3")]
    public void StopAfterOutsideTheRunIsAUsageError(string epoch)
    {
        var r = _cli.Train("bad", "--stop-after", epoch);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--stop-after must be an epoch after 0 and at most --epochs (2)", r.Error);
    }

    private static bool Same(Array x, Array y) => (x, y) switch
    {
        (float[] p, float[] q) => p.AsSpan().SequenceEqual(q),
        (double[] p, double[] q) => p.AsSpan().SequenceEqual(q),
        (int[] p, int[] q) => p.AsSpan().SequenceEqual(q),
        (long[] p, long[] q) => p.AsSpan().SequenceEqual(q),
        _ => false,
    };
}
