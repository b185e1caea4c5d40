// Conv nets through the CLI: --model specs for every conv family (valid for their dataset's C×H×W, one-line exit-2
// errors otherwise), end-to-end training of a small ResNet on the embedded digits (dense and always-sparse, the layer
// table with conv shapes, eval of its checkpoint), the augmentation default per dataset, and `bench conv --json`.
using System.Text.Json;
using System.Text.RegularExpressions;
using Sprout.Cli.Config;
using Sprout.Cli.Models;
using Sprout.Data;

namespace Sprout.Cli.Tests;

public sealed class ConvModelTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("resnet20", "cifar10")]
    [InlineData("resnet32", "cifar10")]
    [InlineData("RESNET56", "cifar100")]
    [InlineData("resnet18", "cifar10")]
    [InlineData("vgg16", "cifar10")]
    [InlineData("wrn-22-2", "cifar10")]
    [InlineData("wrn-28-10", "cifar100")]
    [InlineData("lenet5", "mnist")]
    [InlineData("lenet5", "fashion-mnist")]
    [InlineData("resnet20", "mnist")]
    [InlineData("resnet20", "digits")]
    [InlineData("wrn-16-1", "digits")]
    public void ConvSpecsValidateForTheirDataset(string spec, string data) => ModelRegistry.Validate(spec, data);

    [Theory]
    [InlineData("resnet20", 3, 32, 32, 10, 272_474)] // He et al.: 0.27 M
    [InlineData("lenet5", 1, 28, 28, 10, 431_080)]   // Caffe LeNet-5: 431 k
    public void ConvModelsHaveTheirPublishedSizeAndOutputShape(string spec, int c, int h, int w, int classes, long parameters)
    {
        var model = ModelRegistry.Build(spec, new ImageShape(c, h, w), classes, new Sprout.Nn.DenseLayerFactory(new Sprout.Core.Rng(1)));
        Assert.Equal(parameters, model.NamedParameters().Sum(p => (long)p.Tensor.Size));
        model.Eval();
        var x = new Sprout.Core.Tensor(3, c * h * w);
        new Sprout.Core.Rng(2).FillNormal(x.Data, 0, 1);
        var y = model.Forward(x);
        Assert.Equal([3, classes], y.Shape.ToArray());
    }

    public static TheoryData<string[], string> BadSpecs() => new()
    {
        { ["--model", "resnet21"], "Unknown model 'resnet21' in --model resnet21; resnetN needs a depth N = 6n+2" },
        { ["--model", "resnet"], "Unknown model 'resnet'" },
        { ["--model", "wrn-22"], "Unknown model 'wrn-22' in --model wrn-22; wrn-D-K needs a depth D = 6n+4" },
        { ["--model", "wrn-23-2"], "Unknown model 'wrn-23-2'" },
        { ["--model", "resnet20:3"], "Bad model spec 'resnet20:3': resnet20 takes no arguments" },
        { ["--model", "vgg19"], "Unknown model 'vgg19'" },
        { ["--model", "lenet5"], "Cannot build model 'lenet5' for digits (1x8x8): conv2: a 5×5 kernel does not fit a 2×2 input." },
        { ["--model", "vgg16"], "Cannot build model 'vgg16' for digits (1x8x8): vgg16 cannot take 1×8×8 inputs" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void BadConvSpecsAreOneLineUsageErrors(string[] args, string phrase)
    {
        var r = CliRunner.Run(["train", "--data", "digits", "--out", _cli.PathOf("bad"), .. args]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(phrase, r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("bad")), "nothing is written for a bad spec");
    }

    [Fact]
    public void UnknownModelErrorListsEveryKind()
    {
        var r = CliRunner.Run("train", "--model", "alexnet");
        Assert.Equal(2, r.ExitCode);
        foreach (string kind in new[] { "mlp:H1,H2,...", "linear", "lenet5", "vgg16", "resnetN", "resnet18", "wrn-D-K" })
            Assert.Contains(kind, r.ErrorLine);
    }

    [Fact]
    public void ResNetTrainsOnDigitsDenseAndSparseAndItsCheckpointEvaluates()
    {
        var dense = _cli.Train("dense", "--model", "resnet8", "--epochs", "1", "--batch-size", "64");
        Assert.True(dense.ExitCode == 0, dense.ToString());
        Assert.Contains("1x8x8", dense.Output);
        Assert.Matches(@"layer2\.0\.conv1\s+dense\s+16→32 3×3 s2 p1\s+1\.0000", dense.Output); // the dense run's table
        var eval = CliRunner.Run("eval", "--checkpoint", _cli.PathOf("dense", "last.safetensors"), "--json");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        using (var e = JsonDocument.Parse(eval.Output))
        using (var s = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("dense", "summary.json"))))
            Assert.Equal(s.RootElement.GetProperty("test_accuracy").GetDouble(), e.RootElement.GetProperty("accuracy").GetDouble(), 12);

        var sparse = _cli.Train("rigl", "--model", "resnet8", "--epochs", "1", "--batch-size", "64", "--method", "rigl", "--density", "0.3", "--update-every", "5");
        Assert.True(sparse.ExitCode == 0, sparse.ToString());
        Assert.Matches(@"layer3\.0\.conv1\s+csr\s+32→64 3×3 s2 p1\s+0\.\d{4}", sparse.Output);
        Assert.Matches(@"layer3\.0\.shortcut\.0\s+dense\s+32→64 1×1 s2\s+1\.0000", sparse.Output); // ERK keeps the small 1×1 shortcut dense
        using var summary = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("rigl", "summary.json")));
        var sp = summary.RootElement.GetProperty("sparsity");
        Assert.True(sp.GetProperty("topology_updates").GetInt32() > 0);
        Assert.Contains(sp.GetProperty("layers").EnumerateArray(), l => l.GetProperty("shape").GetString() == "16→32 3×3 s2 p1");
        double relative = sp.GetProperty("train_flops_relative_to_dense").GetDouble();
        Assert.InRange(relative, 0.05, 0.95); // a sparse conv net counts its conv MACs, not only the linear head
    }

    [Fact]
    public void ValidationSplitWorksWithAConvNet()
    {
        var r = _cli.Train("val", "--model", "resnet8", "--epochs", "1", "--validation", "0.1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("1293 train / 145 val / 359 test", r.Output); // stratified 10% of 1438
        using var line = JsonDocument.Parse(File.ReadLines(_cli.PathOf("val", "metrics.jsonl")).First());
        Assert.InRange(line.RootElement.GetProperty("val_accuracy").GetDouble(), 0, 1);
    }

    [Fact]
    public void DenseFirstLayerKeepsTheStemDenseOutsideTheBudget()
    {
        var r = _cli.Train("stem", "--model", "resnet8", "--epochs", "1", "--method", "static", "--density", "0.05", "--dense-first-layer");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"conv1\s+dense\s+1→16 3×3 p1\s+1\.0000", r.Output);
        Assert.Matches(@"total\s+0\.05\d\d", r.Output); // the other layers meet 5%; the 144 stem weights come on top
        var sparseStem = _cli.Train("sparse-stem", "--model", "resnet8", "--epochs", "1", "--method", "static", "--density", "0.05");
        Assert.True(sparseStem.ExitCode == 0, sparseStem.ToString());
        Assert.Matches(@"conv1\s+csr\s+1→16 3×3 p1", sparseStem.Output);
    }

    [Theory]
    [InlineData("snip")]
    [InlineData("synflow")]
    public void GlobalPruningCriteriaKeepTheStemDenseWhenAsked(string method)
    {
        var r = _cli.Train($"stem-{method}", "--model", "resnet8", "--epochs", "1", "--method", method, "--density", "0.05", "--dense-first-layer");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"conv1\s+\w+\s+1→16 3×3 p1\s+1\.0000\s+144\b", r.Output);
        Assert.Matches(@"total\s+0\.05\d\d", r.Output); // 5% of the other layers; the 144 stem weights come on top
    }

    [Theory]
    [InlineData("gmp", "--dense-first-layer", "--method gmp prunes every weight layer to the same sparsity")]
    [InlineData("spartan", "--dense-last-layer", "--method spartan allocates its budget with --spartan-allocation")]
    public void MethodsWithTheirOwnAllocationRefuseADenseFirstOrLastLayer(string method, string flag, string phrase)
    {
        string folder = _cli.PathOf($"{method}-stem");
        var r = CliRunner.Run(["train", "--model", "resnet8", "--epochs", "1", "--method", method, "--density", "0.1", flag, "--out", folder]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(phrase, r.ErrorLine);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void SparseInitSelectsTheInitialScaleAndRefusesUnknownNames()
    {
        var live = _cli.Train("init-fan-in", "--model", "resnet8", "--epochs", "1", "--method", "static", "--density", "0.1");
        var dense = _cli.Train("init-dense", "--model", "resnet8", "--epochs", "1", "--method", "static", "--density", "0.1", "--sparse-init", "dense-fan-in");
        Assert.True(live.ExitCode == 0, live.ToString());
        Assert.True(dense.ExitCode == 0, dense.ToString());
        Assert.NotEqual(Regex.Match(live.Output, @"test_loss \S+").Value, Regex.Match(dense.Output, @"test_loss \S+").Value);
        var bad = _cli.Train("init-bad", "--model", "resnet8", "--epochs", "1", "--method", "static", "--sparse-init", "xavier");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("sparse-init", bad.Error + bad.Output);
    }

    [Theory]
    [InlineData("dense")]
    [InlineData("snip")]
    [InlineData("magnitude")]
    [InlineData("gmp")]
    [InlineData("topkast")]
    [InlineData("spartan")]
    public void SparseInitIsRefusedByMethodsThatDrawNoRandomSparseInit(string method)
    {
        string folder = _cli.PathOf($"ignored-{method}");
        var r = CliRunner.Run(["train", "--model", "resnet8", "--epochs", "1", "--method", method, "--density", method == "dense" ? "1" : "0.1",
            "--sparse-init", "dense-fan-in", "--out", folder]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"--sparse-init dense-fan-in has no effect with --method {method}", r.ErrorLine);
        Assert.False(Directory.Exists(folder));
    }

    [Theory]
    [InlineData("cifar10", true)]
    [InlineData("CIFAR-100", true)]
    [InlineData("mnist", false)]
    [InlineData("fashion-mnist", false)]
    [InlineData("digits", false)]
    public void AugmentationFollowsTheDatasetUntilSet(string data, bool expected)
    {
        var s = new TrainSettings { Data = data };
        Assert.Equal(expected, s.Augment);
        Assert.Contains($"augment: {(expected ? "true" : "false")}", ConfigFile.ToYaml(s)); // config.yaml records the value used
        s.Augment = !expected;
        s.Data = data; // an explicit value sticks whatever the dataset
        Assert.Equal(!expected, s.Augment);
    }

    [Fact]
    public void ExplicitAugmentFalseTurnsCifarAugmentationOff()
    {
        var s = new TrainSettings();
        ConfigFile.ApplyText("data: cifar10\naugment: false\n", "test", s);
        Assert.False(s.Augment);
        var d = new TrainSettings();
        ConfigFile.ApplyText("data: cifar10\n", "test", d);
        Assert.True(d.Augment);
        d.Data = "mnist"; // unset follows the dataset it ends up with (a flag after the config file)
        Assert.False(d.Augment);
    }

    [Fact]
    public void BenchConvJsonHasTheAgreedShape()
    {
        var r = CliRunner.Run("bench", "conv", "--json", "--models", "resnet8,wrn-10-1", "--densities", "1,0.2",
            "--batch-size", "2", "--steps", "2", "--warmup", "0", "--conv-reps", "1", "--breakdown");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Output); // exactly one JSON value on stdout
        var root = doc.RootElement;
        Assert.True(root.GetProperty("peak_gflops").GetDouble() > 0);
        // A ratio of two timings taken at different moments: under load it can land anywhere above 0 (6.45 was seen
        // when the peak was timed during a build), so only its presence and sign are this test's business.
        double fraction = root.GetProperty("dense_3x3_fraction_of_peak").GetDouble();
        Assert.True(double.IsFinite(fraction) && fraction > 0, $"dense_3x3_fraction_of_peak {fraction}");
        var results = root.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["resnet8@1", "resnet8@0.2", "wrn-10-1@1", "wrn-10-1@0.2"],
            results.Select(e => $"{e.GetProperty("model").GetString()}@{e.GetProperty("density").GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        foreach (var e in results)
        {
            double step = e.GetProperty("step_ms").GetDouble(), dense = e.GetProperty("dense_step_ms").GetDouble();
            Assert.True(step > 0 && dense > 0);
            Assert.InRange(e.GetProperty("speedup").GetDouble(), dense / step - 1e-3, dense / step + 1e-3);
        }
        Assert.Equal(results[0].GetProperty("step_ms").GetDouble(), results[0].GetProperty("dense_step_ms").GetDouble());
        Assert.True(results[1].GetProperty("nnz").GetInt64() < results[0].GetProperty("nnz").GetInt64());
        // Extras: memory next to the dense model's, and the per-op breakdown of every variant.
        Assert.True(results[1].GetProperty("peak_memory_mb").GetDouble() > 0);
        Assert.Equal(results[0].GetProperty("peak_memory_mb").GetDouble(), results[1].GetProperty("dense_peak_memory_mb").GetDouble());
        var breakdown = root.GetProperty("breakdown").EnumerateArray().ToArray();
        Assert.Equal(4, breakdown.Length);
        string[] sparseOps = breakdown[1].GetProperty("ops").EnumerateArray().Select(o => o.GetProperty("op").GetString()!).ToArray();
        Assert.Contains("SparseConv2d 3x3 s1 fwd", sparseOps);
        Assert.Contains("BatchNorm bwd", sparseOps);
        Assert.DoesNotContain(breakdown[0].GetProperty("ops").EnumerateArray(), o => o.GetProperty("op").GetString()!.StartsWith("SparseConv2d", StringComparison.Ordinal));

        var bad = CliRunner.Run("bench", "conv", "--densities", "0.1,1.5");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--densities", bad.ErrorLine);
        var badModel = CliRunner.Run("bench", "conv", "--models", "resnet21");
        Assert.Equal(2, badModel.ExitCode);
        Assert.Contains("unknown conv net 'resnet21'", badModel.ErrorLine);
    }
}
