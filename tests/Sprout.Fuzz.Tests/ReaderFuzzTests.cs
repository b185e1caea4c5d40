// Property-based fuzzing of every reader Sprout has (issue 11): IDX images and labels, CIFAR-10/100 batches, the
// digits CSV (each raw and gzipped), safetensors checkpoints (parser, model load, and `sprout eval` end to end) and
// YAML configs. Each property runs a fixed number of seeded cases sized to keep the whole class to a few seconds.
using Sprout.Cli;
using Sprout.Cli.Commands;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Data.Formats;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;

namespace Sprout.Fuzz.Tests;

public sealed class ReaderFuzzTests : IDisposable
{
    // CI runs 120 cases per property; SPROUT_FUZZ_CASES=5000 (and a new SPROUT_FUZZ_SEED) searches deeper by hand.
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("SPROUT_FUZZ_CASES"), out int n) && n > 0 ? n : 120;
    private readonly TempDir _dir = new("sprout-fuzz");

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes the bytes to one reused file (readers take paths) and returns its path.</summary>
    private string File_(string name, byte[] bytes) => _dir.Write(name, bytes);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxImages(bool gzip)
    {
        // With gzip the mutations hit the content before compression (a corrupt header in an intact stream); the
        // compressed-bytes case is CompressedStreams below.
        ReaderProperty.Check($"idx images (gzip {gzip})", Seeds.IdxImages(), 16, Cases, 11, bytes =>
        {
            var images = IdxReader.ReadImages(File_(gzip ? "images.gz" : "images", gzip ? Seeds.Gzip(bytes) : bytes));
            Assert.True(images.Dim(0) > 0);
        });
    }

    [Fact]
    public void CompressedStreams()
    {
        // Mutating the gzip bytes themselves: bad headers, CRCs, lengths and truncated deflate streams.
        ReaderProperty.Check("idx.gz", Seeds.Gzip(Seeds.IdxImages()), 24, Cases, 12, bytes => IdxReader.ReadImages(File_("images.gz", bytes)));
        ReaderProperty.Check("cifar.gz", Seeds.Gzip(Seeds.Cifar()), 24, Cases, 14, bytes => CifarReader.ReadCifar10([File_("batch.bin.gz", bytes)]));
        ReaderProperty.Check("digits.csv.gz", Seeds.Gzip(Seeds.DigitsCsv()), 24, Cases, 15, bytes => DigitsCsvReader.Read(File_("digits.csv.gz", bytes)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxLabels(bool gzip)
    {
        byte[] seed = Seeds.IdxLabels();
        ReaderProperty.Check("idx labels", seed, 8, Cases, 13, bytes =>
        {
            int[] labels = IdxReader.ReadLabels(File_(gzip ? "labels.gz" : "labels", gzip ? Seeds.Gzip(bytes) : bytes), 10);
            Assert.All(labels, l => Assert.InRange(l, 0, 9));
        });
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void CifarBatches(int labelBytes, bool gzip)
    {
        ReaderProperty.Check($"cifar ({labelBytes} label bytes, gzip {gzip})", Seeds.Cifar(2, labelBytes), 8, Cases, 17, bytes =>
        {
            string path = File_(gzip ? "batch.bin.gz" : "batch.bin", gzip ? Seeds.Gzip(bytes) : bytes);
            var data = labelBytes == 1 ? CifarReader.ReadCifar10([path]) : CifarReader.ReadCifar100(path);
            Assert.True(data.Count > 0);
            Assert.All(data.Labels, l => Assert.InRange(l, 0, data.ClassCount - 1));
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DigitsCsv(bool gzip)
    {
        byte[] seed = Seeds.DigitsCsv();
        ReaderProperty.Check("digits csv", seed, 200, Cases, 19, bytes =>
        {
            var data = DigitsCsvReader.Read(File_(gzip ? "digits.csv.gz" : "digits.csv", gzip ? Seeds.Gzip(bytes) : bytes));
            Assert.True(data.Count > 0);
            foreach (float v in data.ToArray()) Assert.InRange(v, 0f, 1f);
        });
    }

    [Fact]
    public void SafetensorsParserAndModelLoad()
    {
        var model = Sprout.Nn.Models.Mlp(4, [3], 2, new Rng(1));
        byte[] seed = SafetensorsWriter.ToBytes(model.NamedParameters(), new Dictionary<string, string> { ["sprout.epoch"] = "1", ["note"] = "x" });
        ReaderProperty.Check("safetensors (dense model)", seed, Seeds.SafetensorsHead(seed), Cases * 2, 23, bytes =>
        {
            SafetensorsFile.Parse(bytes, "fuzz.safetensors");
            Checkpoint.LoadModel(File_("dense.safetensors", bytes), Sprout.Nn.Models.Mlp(4, [3], 2, new Rng(1)));
        });
    }

    [Fact]
    public void SparseCheckpointThroughEval()
    {
        // End to end: `sprout eval` rebuilds the model from the checkpoint's own settings, restores CSR structures and
        // weights, and evaluates. Fewer cases: each one loads the digits and runs an evaluation pass.
        byte[] seed = Seeds.SparseCheckpoint(_dir);
        ReaderProperty.Check("sparse checkpoint (eval)", seed, Seeds.SafetensorsHead(seed), 30, 29, bytes =>
        {
            var error = new StringWriter();
            int code = SproutCli.Run(["eval", "--checkpoint", File_("sparse.safetensors", bytes)], TextWriter.Null, error);
            Assert.True(code is ExitCodes.Ok or ExitCodes.Usage, $"exit {code}: {error}");
            if (code != 0) Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        });
    }

    [Fact]
    public void YamlConfig()
    {
        byte[] seed = Seeds.ConfigYaml();
        ReaderProperty.Check("config yaml", seed, seed.Length, Cases * 2, 31, bytes =>
        {
            var settings = new TrainSettings();
            ConfigFile.Apply(File_("config.yaml", bytes), settings);
            TrainRunner.Validate(settings);
        });
    }
}
