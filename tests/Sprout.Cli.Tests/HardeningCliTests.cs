// Issue 11's CLI reproductions (defects 3, 7, 9, 10, 11): each used to pass as success, crash as an "internal
// error", or allocate gigabytes; each is now one line and a documented exit code, with no run folder written.
using Sprout.Cli.Commands;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests;

public sealed class HardeningCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string[], string> Refused() => new()
    {
        // Defect 3: refused from the spec, before anything is allocated.
        { ["--model", "mlp:999999999"], "more than one array can hold" },
        { ["--model", "mlp:40000,40000,40000"], "needs about" },
        { ["--batch-size", "100000000"], "needs about" },
        // Defect 9: settings that made no sense.
        { ["--augment", "true"], "--augment (random crop and horizontal flip) is for CIFAR" },
        { ["--method", "set", "--density", "1e-9"], "leaves the output layer about" },
        { ["--model", "mlp:"], "nothing after the colon" },
        { ["--optimizer", "adam", "--momentum", "0.5"], "--momentum applies to --optimizer sgd only" },
        // Defect 6: a validation fraction that empties the training split.
        { ["--validation", "0.999"], "leaves 0 training" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void SettingsThatCannotWorkAreRefusedBeforeTraining(string[] args, string phrase)
    {
        long before = GC.GetTotalAllocatedBytes();
        var r = CliRunner.Run(["train", "--epochs", "1", "--out", _cli.PathOf("never"), .. args]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(phrase, r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("never")));
        Assert.True(GC.GetTotalAllocatedBytes() - before < 200_000_000, "validation allocated like a model build");
    }

    [Fact]
    public void MemoryEstimateRefusesAModelLargerThanTheBudget()
    {
        var s = new TrainSettings { Model = "mlp:4000,4000" };
        SettingsSanity.Check(s, availableBytes: 16L << 30);
        Assert.Contains("needs about", Assert.Throws<UsageException>(() => SettingsSanity.Check(s, availableBytes: 64L << 20)).Message);
    }

    [LinuxFact]
    public void AReadOnlyOutputFolderIsAnIoErrorNotABug()
    {
        // As root, permissions do not stop writes; /sys refuses new folders to everyone (and exists on Linux CI).
        bool root = Environment.UserName == "root";
        string parent = root ? "/sys" : Directory.CreateDirectory(_cli.PathOf("ro")).FullName;
        if (!root && !OperatingSystem.IsWindows()) File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var r = CliRunner.Run("train", "--epochs", "1", "--model", "mlp:8", "--out", Path.Combine(parent, "sprout-run"));
            Assert.True(r.ExitCode == ExitCodes.IoFailure, r.ToString());
            Assert.Contains("cannot read or write a file", r.ErrorLine);
        }
        finally
        {
            if (!root && !OperatingSystem.IsWindows()) File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [LinuxFact]
    public void ADeviceAsConfigIsRefusedWithoutReadingIt()
    {
        var r = CliRunner.Run("train", "--config", "/dev/zero", "--out", _cli.PathOf("never"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("not a regular file", r.ErrorLine);
    }

    [Fact]
    public void IoExceptionsMapToTheDocumentedIoExitCode()
    {
        var error = new StringWriter();
        var context = new CliContext(TextWriter.Null, error, false, []);
        Assert.Equal(ExitCodes.IoFailure, SproutCli.Report(new IOException("No space left on device : '/x/last.safetensors.tmp'"), context, verbose: false));
        Assert.Equal(ExitCodes.IoFailure, SproutCli.Report(new UnauthorizedAccessException("Access to the path '/x' is denied."), context, verbose: false));
        Assert.DoesNotContain("internal error", error.ToString());
    }

    [Fact]
    public void SweepRefusesAFolderAsOutAndTheSameConfigTwiceBeforeTraining()
    {
        string config = WriteConfig("a", "model: mlp:8\nepochs: 1\n");
        var r = CliRunner.Run("sweep", "--config", config, "--seeds", "0", "--runs", _cli.PathOf("runs"), "--out", _cli.Root);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("is a folder", r.ErrorLine);
        r = CliRunner.Run("sweep", "--config", config, "--config", config, "--seeds", "0", "--runs", _cli.PathOf("runs"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("Two configs are named 'a'", r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("runs")));
    }

    [Fact]
    public void SweepChecksEveryConfigBeforeTheFirstRun()
    {
        string good = WriteConfig("good", "model: mlp:8\nepochs: 1\n");
        string bad = WriteConfig("bad", "model: mlp:8\nepochs: 1\noptimizer: rmsprop\n");
        var r = CliRunner.Run("sweep", "--config", good, "--config", bad, "--seeds", "0", "--runs", _cli.PathOf("runs"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("rmsprop", r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("runs")), "the first config trained before the second was checked");
    }

    [Fact]
    public void SweepReuseIsKeyedOnTheResolvedSettings()
    {
        string config = WriteConfig("c", "model: mlp:8\n");
        string[] args = ["sweep", "--config", config, "--seeds", "0", "--runs", _cli.PathOf("runs")];
        Assert.Equal(0, CliRunner.Run([.. args, "--epochs", "1"]).ExitCode);
        Assert.Equal(0, CliRunner.Run([.. args, "--epochs", "1", "--reuse"]).ExitCode);
        var changed = CliRunner.Run([.. args, "--epochs", "2", "--reuse"]);
        Assert.True(changed.ExitCode == 2, changed.ToString());
        Assert.Contains("epochs: 1 then, 2 now", changed.ErrorLine);
    }

    [Fact]
    public void InterruptBeforeTheFirstEpochNamesNoMissingCheckpoint()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var s = new TrainSettings { Model = "mlp:8", Epochs = 2, Out = _cli.PathOf("int"), Plain = true };
        int code = new TrainRunner(new CliContext(output, error, false, [])).Run(s, null, new CancellationToken(canceled: true));
        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.DoesNotContain("--resume", error.ToString());
        Assert.Contains("no checkpoint to resume from", error.ToString());
    }

    [Fact]
    public void ACorruptSparseStructureIsReportedAsCorruptNotAsAnotherModel()
    {
        Assert.Equal(0, _cli.Train("s", "--method", "set", "--density", "0.5", "--epochs", "1").ExitCode);
        string path = Rewrite(_cli.PathOf("s", "last.safetensors"), "1.weight.indptr", a => ((int[])a)[3] = ((int[])a)[2] - 1);
        var r = CliRunner.Run("eval", "--checkpoint", path);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("The file is corrupt", r.ErrorLine);
        Assert.DoesNotContain("different model", r.ErrorLine);
    }

    [Fact]
    public void AnAllZeroRandomStreamInACheckpointIsABadCheckpointNotABug()
    {
        Assert.Equal(0, _cli.Train("z", "--method", "set", "--density", "0.5", "--epochs", "1").ExitCode);
        string path = Rewrite(_cli.PathOf("z", "last.safetensors"), "topology.rng", a => Array.Clear(a));
        var r = CliRunner.Run("train", "--resume", path, "--epochs", "2");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("all-zero RNG state", r.ErrorLine);
    }

    private string WriteConfig(string name, string text)
    {
        string path = _cli.PathOf(name + ".yaml");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Rewrites one tensor of a checkpoint in place (same name, shape and dtype) and returns the path.</summary>
    internal static string Rewrite(string path, string tensor, Action<Array> change)
    {
        var file = SafetensorsFile.Read(path);
        var entries = file.Entries.Select(e =>
        {
            var data = file.ToTypedArray(e.Name);
            if (e.Name == tensor) change(data);
            return new StateEntry(e.Name, data, e.Shape);
        }).ToList();
        SafetensorsWriter.Write(path, entries, file.Metadata.ToDictionary());
        return path;
    }
}
