// CorpusTests: every crafted file under tests/corpus (copied next to the test binary) is refused by the reader its
// folder names with a one-line error and exit code 2 — never accepted, never another exception, never a large
// allocation. The folder → reader map is below; see tests/corpus/README.md.
using Sprout.Cli.Commands;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Data.Formats;
using Sprout.Training.Checkpoints;

namespace Sprout.Fuzz.Tests;

public sealed class CorpusTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "corpus");

    private static readonly Dictionary<string, Action<string>> Readers = new()
    {
        ["safetensors"] = path => Checkpoint.LoadModel(path, Sprout.Nn.Models.Mlp(1, [], 1, new Rng(1))),
        ["idx-images"] = path => IdxReader.ReadImages(path),
        ["idx-labels"] = path => IdxReader.ReadLabels(path, 10),
        ["cifar10"] = path => CifarReader.ReadCifar10([path]),
        ["digits"] = path => DigitsCsvReader.Read(path),
        ["config"] = path =>
        {
            var settings = new TrainSettings();
            ConfigFile.Apply(path, settings);
            TrainRunner.Validate(settings);
        },
    };

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            if (Path.GetFileName(file) != "README.md") data.Add(Path.GetRelativePath(Root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void CraftedFileIsRefusedWithOneLine(string relative)
    {
        string folder = relative.Split(Path.DirectorySeparatorChar)[0];
        Assert.True(Readers.TryGetValue(folder, out var read), $"no reader for corpus folder '{folder}'");
        string path = Path.Combine(Root, relative);
        bool accepted = false;
        ReaderProperty.Holds(File.ReadAllBytes(path), relative, _ =>
        {
            read(path);
            accepted = true;
        });
        Assert.False(accepted, $"{relative} was accepted");
    }

    [Fact]
    public void TheCorpusCoversEveryReader()
    {
        foreach (string folder in Readers.Keys)
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(Root, folder)));
    }
}
