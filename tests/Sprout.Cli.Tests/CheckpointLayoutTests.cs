// The checkpoint documents itself (issue 11): every tensor family a method writes is described by the layout text
// stored in the file, the module tree and the input standardization are in the metadata, and sprout.version
// carries the commit like summary.json does.
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests;

public sealed class CheckpointLayoutTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    // Each tensor name is "<module path>.<family…>" or a callback scope "<family>.…"; the family must be in the layout.
    private static readonly string[] Families =
        ["optimizer.", "topology.", "topkast.", "spartan.", "snfs.", "sparsity.", "gmp.", "forward.", "reservoir.", "weight", "bias"];

    [Theory]
    [InlineData("set")]
    [InlineData("topkast")]
    [InlineData("gmp")]
    [InlineData("snfs-sparse")]
    public void EveryTensorFamilyIsDescribedInTheFile(string method)
    {
        var r = _cli.Train(method, "--method", method, "--density", "0.3", "--epochs", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        var file = SafetensorsFile.Read(_cli.PathOf(method, "last.safetensors"));
        string layout = file.Metadata[Checkpoint.LayoutKey];
        string architecture = file.Metadata[Checkpoint.ArchitectureKey];
        var modules = architecture.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..l.IndexOf(':')]).ToHashSet();
        foreach (var e in file.Entries)
        {
            string name = e.Name.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal) ? e.Name[Checkpoint.OptimizerPrefix.Length..] : e.Name;
            string? module = modules.Where(m => name.StartsWith(m + ".", StringComparison.Ordinal)).MaxBy(m => m.Length);
            string rest = module is null ? name : name[(module.Length + 1)..];
            string? family = Families.FirstOrDefault(f => rest.StartsWith(f, StringComparison.Ordinal));
            Assert.True(family is not null, $"{e.Name}: no documented family");
            Assert.Contains(family!.TrimEnd('.'), layout);
        }
        Assert.Contains("+", file.Metadata[Checkpoint.VersionKey]); // "0.1.0+<commit>"
        Assert.Contains(": Sequential", architecture);
    }

    [Fact]
    public void NormalizationConstantsAreStoredWhenInputsAreStandardized()
    {
        Assert.Equal(0, _cli.Train("n", "--normalize", "train").ExitCode);
        string norm = SafetensorsFile.Read(_cli.PathOf("n", "last.safetensors")).Metadata[Checkpoint.NormalizationKey];
        Assert.Matches(@"^mean=[-0-9.Ee]+;std=[-0-9.Ee]+$", norm);
    }
}
