// `sprout train --overwrite` against folders holding user files (issue 11, defect 1), end to end: exit 2, one
// line, and every file of the user's still there.
namespace Sprout.Cli.Tests;

public sealed class RunFolderCliTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void OverwriteOfAFolderWithAConfigYamlAndUserFilesIsRefused()
    {
        string p = _cli.PathOf("p");
        Directory.CreateDirectory(Path.Combine(p, "sub"));
        File.WriteAllText(Path.Combine(p, "config.yaml"), "epochs: 1\n");
        File.WriteAllText(Path.Combine(p, "thesis.tex"), "x\n");
        File.WriteAllText(Path.Combine(p, "sub", "code.py"), "y\n");
        var r = CliRunner.Run("train", "--epochs", "1", "--model", "mlp:8", "--out", p, "--overwrite", "true");
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("Refusing to overwrite", r.ErrorLine);
        Assert.Equal(["config.yaml", "sub", "thesis.tex"], Directory.EnumerateFileSystemEntries(p).Select(Path.GetFileName).Order());
        Assert.Equal("y\n", File.ReadAllText(Path.Combine(p, "sub", "code.py")));
    }

    [Fact]
    public void OverwriteReplacesASproutRunAndRecordsEveryFileItWrote()
    {
        Assert.Equal(0, _cli.Train("r").ExitCode);
        string run = _cli.PathOf("r");
        var written = Directory.EnumerateFiles(run).Select(Path.GetFileName).Where(n => n != "sprout.manifest").Order().ToArray();
        var recorded = File.ReadAllLines(Path.Combine(run, "sprout.manifest")).Where(l => !l.StartsWith('#')).Order().ToArray();
        Assert.Equal(written, recorded);
        var again = _cli.Train("r", "--overwrite", "true");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.False(File.Exists(Path.Combine(run, "sprout.lock")), "a finished run left its lock behind");
    }
}
