// ViTs through the CLI: `--model vit:…` and `vit-tiny` specs (valid for their dataset's C×H×W, one-line exit-2 errors
// otherwise), and every sparsity method training a tiny ViT on the embedded digits for one short epoch with its
// invariants checked from the run's own files: the total nnz of the start-of-run table is kept, every CSR layer's
// checkpointed structure is valid (indptr monotone from 0 to nnz, column indices in range and increasing per row)
// with exactly nnz stored weights and no dense matrix, and methods on dense weights end at their density.
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sprout.Cli.Models;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Tests;

public sealed partial class VitCliTests : IDisposable
{
    private const string Tiny = "vit:patch=4,dim=32,depth=2,heads=2,mlp=64";
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("vit:patch=4,dim=128,depth=6,heads=4,mlp=256", "cifar10")]
    [InlineData("vit:patch=4,dim=192,depth=6,heads=3,mlp=384", "cifar100")]
    [InlineData("vit-tiny", "cifar10")]
    [InlineData("vit-tiny:width=2", "cifar100")]
    [InlineData("vit:patch=7,dim=64,depth=2,heads=2,mlp=128,pool=cls,pos=learned", "mnist")]
    [InlineData(Tiny, "digits")]
    public void VitSpecsValidateForTheirDataset(string spec, string data) => ModelRegistry.Validate(spec, data);

    public static TheoryData<string, string> BadSpecs() => new()
    {
        { "vit:patch=3,dim=32,depth=1,heads=2,mlp=64", "Cannot build model 'vit:patch=3,dim=32,depth=1,heads=2,mlp=64' for digits (1x8x8): Patch size 3 does not divide the 8×8 image" },
        { "vit:patch=4,dim=30,depth=1,heads=4,mlp=64", "Bad model spec 'vit:patch=4,dim=30,depth=1,heads=4,mlp=64': dim 30 is not a multiple of heads 4" },
        { "vit:patch=4,dim=32", "'depth' is missing" },
        { "vit:patch=4,dim=32,depth=1,heads=2,mlp=64,foo=3", "unknown key 'foo'" },
        { "vit-tiny:width=0", "width=0 is not a positive integer" },
        { "vit:", "nothing after the colon; give the sizes (e.g. vit:patch=4,dim=128,depth=6,heads=4,mlp=256)." },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void BadVitSpecsAreOneLineUsageErrors(string spec, string phrase)
    {
        var r = CliRunner.Run("train", "--data", "digits", "--model", spec, "--out", _cli.PathOf("bad"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(phrase, r.ErrorLine);
        Assert.DoesNotContain("Cannot build model 'vit:patch=4,dim=30", r.ErrorLine); // a syntax error is not wrapped twice
        Assert.False(Directory.Exists(_cli.PathOf("bad")), "nothing is written for a bad spec");
    }

    [Fact]
    public void HelpAndUnknownModelNameTheVit()
    {
        var r = CliRunner.Run("train", "--model", "vit-small");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("vit:patch=P,dim=D,depth=L,heads=H,mlp=M", r.ErrorLine);
        Assert.Contains("vit-tiny[:width=W]", r.ErrorLine);
        Assert.Contains("vit:patch=4,dim=128", CliRunner.Run("train", "--help").Output);
    }

    // Methods whose layers are CSR (always-sparse) and methods on dense weights (masked compute).
    public static TheoryData<string, string[]> Methods() => new()
    {
        { "static", [] }, { "set", [] }, { "rigl", [] }, { "gse", [] }, { "gse-grabo", [] }, { "gse-graest", [] }, { "dst-ee", [] },
        { "snfs-sparse", [] }, { "snip", [] }, { "grasp", [] }, { "synflow", [] }, { "magnitude", [] },
        { "rigl", ["--layer-kind", "masked"] }, { "snfs", [] }, { "topkast", [] }, { "gmp", [] },
        { "spartan", [] }, { "spartan", ["--spartan-block", "16x16"] },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryMethodTrainsATinyVitAndKeepsItsInvariants(string method, string[] extra)
    {
        var r = CliRunner.Run(["train", "--data", "digits", "--model", Tiny, "--method", method, "--density", "0.3", "--epochs", "1",
            "--batch-size", "128", "--update-every", "3", "--optimizer", "sgd", "--lr", "0.05", "--out", _cli.PathOf("run"), .. extra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var table = TotalLine().Match(r.Output);
        Assert.True(table.Success, r.Output);
        long plannedNnz = long.Parse(table.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

        using var summary = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("run", "summary.json")));
        var layers = summary.RootElement.GetProperty("sparsity").GetProperty("layers").EnumerateArray().ToArray();
        Assert.Contains(layers, l => l.GetProperty("name").GetString() == "blocks.1.attn.qkv");
        Assert.Equal(1 + 4 * 2 + 1, layers.Length); // embed, 4 per block, head
        long nnz = layers.Sum(l => l.GetProperty("nnz").GetInt64());
        long total = layers.Sum(l => (long)l.GetProperty("rows").GetInt32() * l.GetProperty("cols").GetInt32());
        var file = SafetensorsFile.Read(_cli.PathOf("run", "last.safetensors"));
        string kind = layers[1].GetProperty("kind").GetString()!;
        if (kind == "csr")
        {
            Assert.Equal(plannedNnz, nnz); // drop and grow (or a fixed mask) keep the budget
            foreach (var l in layers) CheckCsr(file, l);
        }
        else
        {
            // Dense weights under a mask (masked, Top-KAST's forward set, GMP's pruned weights, Spartan's hard mask):
            // the density reached is the target's (Spartan's soft top-k within a few percent after one short epoch).
            Assert.InRange((double)nnz / total, 0.25, 0.36);
        }
    }

    private static void CheckCsr(SafetensorsFile file, JsonElement layer)
    {
        string name = layer.GetProperty("name").GetString()!;
        int rows = layer.GetProperty("rows").GetInt32(), cols = layer.GetProperty("cols").GetInt32();
        long nnz = layer.GetProperty("nnz").GetInt64();
        var values = file.ToArray(name + ".weight");
        Assert.Equal(nnz, values.LongLength); // only the live weights: no dense matrix
        var indptr = (int[])file.ToTypedArray(name + ".weight.indptr");
        var indices = (int[])file.ToTypedArray(name + ".weight.indices");
        Assert.Equal(rows + 1, indptr.Length);
        Assert.Equal(0, indptr[0]);
        Assert.Equal(nnz, indptr[rows]);
        Assert.Equal(nnz, indices.LongLength);
        for (int r = 0; r < rows; r++)
        {
            Assert.True(indptr[r] <= indptr[r + 1], $"{name}: indptr decreases at row {r}");
            for (int p = indptr[r]; p < indptr[r + 1]; p++)
            {
                Assert.InRange(indices[p], 0, cols - 1);
                if (p > indptr[r]) Assert.True(indices[p - 1] < indices[p], $"{name}: row {r} columns not increasing");
            }
        }
    }

    [Fact]
    public void VitTrainsWithAdamWWarmupCosineSmoothingAndClippingAndItsCheckpointEvaluates()
    {
        var r = CliRunner.Run("train", "--data", "digits", "--model", Tiny + ",pool=cls,pos=learned", "--method", "rigl", "--density", "0.3",
            "--epochs", "2", "--batch-size", "64", "--optimizer", "adamw", "--lr", "0.003", "--weight-decay", "0.05", "--schedule", "cosine",
            "--warmup-epochs", "1", "--label-smoothing", "0.1", "--clip-norm", "1", "--out", _cli.PathOf("adamw"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var eval = CliRunner.Run("eval", "--checkpoint", _cli.PathOf("adamw", "last.safetensors"), "--json");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        using var e = JsonDocument.Parse(eval.Output);
        using var s = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("adamw", "summary.json")));
        Assert.Equal(s.RootElement.GetProperty("test_accuracy").GetDouble(), e.RootElement.GetProperty("accuracy").GetDouble(), 12);
        Assert.True(s.RootElement.GetProperty("test_accuracy").GetDouble() > 0.3, "two AdamW epochs learn the digits above chance");
        var file = SafetensorsFile.Read(_cli.PathOf("adamw", "last.safetensors"));
        Assert.True(file.Contains("cls_token") && file.Contains("pos_embedding"));
    }

    [GeneratedRegex(@"\ntotal\s+([\d.]+)\s+([\d,]+)")]
    private static partial Regex TotalLine();
}
