// Run-folder safety (issue 11, defects 1 and 2): --overwrite deletes only what sprout.manifest lists and refuses
// when anything else is in the folder; a live run's lock refuses a second writer, and a lock left by a dead
// process does not block.
using Sprout.TestSupport;
using Sprout.Training.Runs;

namespace Sprout.Training.Tests.Runs;

public sealed class RunFolderSafetyTests : IDisposable
{
    private readonly TempDir _root = new("sprout-safety");

    public void Dispose() => _root.Dispose();

    [Fact]
    public void OverwriteRefusesAFolderWithAConfigYamlAndUserFiles()
    {
        // The reproduction: a config.yaml made a folder look like a run, and --overwrite wiped it.
        string path = _root.PathOf("p");
        _root.Write("p/config.yaml", "epochs: 1\n"u8.ToArray());
        _root.Write("p/thesis.tex", "x"u8.ToArray());
        _root.Write("p/sub/code.py", "y"u8.ToArray());
        var e = Assert.Throws<IOException>(() => RunDirectory.Create(path, overwrite: true));
        Assert.Contains("Refusing to overwrite", e.Message);
        Assert.True(File.Exists(Path.Combine(path, "thesis.tex")));
        Assert.True(File.Exists(Path.Combine(path, "sub", "code.py")));
        Assert.True(File.Exists(Path.Combine(path, "config.yaml")));
        Assert.False(File.Exists(Path.Combine(path, RunLock.FileName)), "a refused overwrite left its lock file behind");
    }

    [Fact]
    public void OverwriteRefusesWhenAUserFileWasAddedToARealRun()
    {
        string path = _root.PathOf("r");
        using (var run = RunDirectory.Create(path, overwrite: false))
        {
            run.WriteText(RunDirectory.ConfigFile, "epochs: 1\n");
            File.WriteAllText(run.RecordFile("report.html"), "<html/>");
        }
        File.WriteAllText(Path.Combine(path, "notes.md"), "mine");
        var e = Assert.Throws<IOException>(() => RunDirectory.Create(path, overwrite: true));
        Assert.Contains("notes.md was not written by Sprout", e.Message);
        Assert.True(File.Exists(Path.Combine(path, "report.html")));

        File.Delete(Path.Combine(path, "notes.md"));
        RunDirectory.Create(path, overwrite: true).Dispose();
        Assert.Equal([RunDirectory.ManifestFile], Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName));
    }

    [Fact]
    public void OverwriteRemovesRecordedSubRunsAndLeftoverTemporaryFiles()
    {
        string path = _root.PathOf("imp");
        using (var run = RunDirectory.Create(path, overwrite: false))
        {
            using var round = run.CreateChild("round-1");
            round.WriteText(RunDirectory.ConfigFile, "x");
            File.WriteAllText(round.RecordFile(RunDirectory.BestCheckpointFile) + ".tmp", "half-written");
        }
        RunDirectory.Create(path, overwrite: true).Dispose();
        Assert.False(Directory.Exists(Path.Combine(path, "round-1")));
    }

    [Fact]
    public void AnUnrecordedFileInASubRunBlocksTheOverwrite()
    {
        string path = _root.PathOf("imp2");
        using (var run = RunDirectory.Create(path, overwrite: false))
            run.CreateChild("round-1").Dispose();
        File.WriteAllText(Path.Combine(path, "round-1", "mine.txt"), "x");
        Assert.Throws<IOException>(() => RunDirectory.Create(path, overwrite: true));
        Assert.True(File.Exists(Path.Combine(path, "round-1", "mine.txt")));
    }

    [Fact]
    public void ALiveRunRefusesASecondWriterUntilItEnds()
    {
        string path = _root.PathOf("busy");
        var first = RunDirectory.Create(path, overwrite: false);
        first.WriteText(RunDirectory.ConfigFile, "epochs: 1\n");
        var e = Assert.Throws<RunFolderInUseException>(() => RunDirectory.Create(path, overwrite: true));
        Assert.Contains("in use by another Sprout process", e.Message);
        Assert.Throws<RunFolderInUseException>(() => RunDirectory.Continue(path, 0));
        Assert.True(File.Exists(Path.Combine(path, RunDirectory.ConfigFile)), "the refused writer touched the live run");
        first.Dispose();
        Assert.False(File.Exists(Path.Combine(path, RunLock.FileName)));
        RunDirectory.Continue(path, 0).Dispose();
    }

    [Fact]
    public void AStaleLockFileFromADeadProcessDoesNotBlock()
    {
        // What a SIGKILLed run leaves: sprout.lock exists, but no process holds the OS lock on it.
        string path = _root.PathOf("stale");
        using (var run = RunDirectory.Create(path, overwrite: false)) run.WriteText(RunDirectory.ConfigFile, "x");
        File.WriteAllText(Path.Combine(path, RunLock.FileName), "pid 999999 on elsewhere\n");
        RunDirectory.Continue(path, 0).Dispose();
        RunDirectory.Create(path, overwrite: true).Dispose();
    }

    [Fact]
    public void ALegacyRunWithoutAManifestIsAdoptedOnResumeButNeverWipedBlindly()
    {
        string path = _root.PathOf("legacy");
        _root.Write("legacy/metrics.jsonl", "{\"epoch\": 1}\n"u8.ToArray());
        _root.Write("legacy/config.yaml", "epochs: 1\n"u8.ToArray());
        Assert.Throws<IOException>(() => RunDirectory.Create(path, overwrite: true));
        RunDirectory.Continue(path, 1).Dispose();
        RunDirectory.Create(path, overwrite: true).Dispose();
        Assert.False(File.Exists(Path.Combine(path, "config.yaml")));
    }
}
