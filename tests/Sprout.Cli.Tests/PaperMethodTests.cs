// `sprout train --method <m>` end to end on the embedded digits for the methods of the seed papers (GSE, DST-EE,
// sparse momentum, Top-KAST, Spartan): exit 0, and summary.json names the method and density, per-layer nnz add up
// to the target density, and params_nonzero agrees with them. Bad method options exit 2 with one stderr line.
using System.Text.Json;
using Sprout.Cli.Config;
using Sprout.Cli.Methods;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Cli.Tests;

public sealed class PaperMethodTests : IDisposable
{
    private const double Density = 0.2;
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("gse", "--gse-subset", "2")]
    [InlineData("gse", "--gse-scope", "global")]
    [InlineData("gse-grabo")]
    [InlineData("gse-graest")]
    [InlineData("dst-ee", "--dst-ee-c", "0.5", "--dst-ee-bonus", "ucb")]
    [InlineData("snfs", "--snfs-prune-rate", "0.4")]
    [InlineData("snfs-sparse", "--snfs-pool-momentum", "0.8")]
    [InlineData("snfs-sparse", "--snfs-redistribute", "false")]
    [InlineData("topkast", "--topkast-backward", "0.1", "--topkast-refresh", "5")]
    [InlineData("spartan", "--spartan-beta", "10", "--spartan-warmup", "0.3")]
    public void MethodTrainsAndSummarizesItsSparsity(string method, params string[] options)
    {
        var r = CliRunner.Run(["train", "--model", "mlp:64", "--epochs", "2", "--out", _cli.PathOf(method), "--method", method,
            "--density", "0.2", "--update-every", "5", .. options]);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(File.ReadAllText(_cli.PathOf(method, "summary.json")));
        var root = doc.RootElement;
        Assert.Equal(method, root.GetProperty("method").GetString());
        Assert.Equal(Density, root.GetProperty("density").GetDouble(), 6);
        var sp = root.GetProperty("sparsity");
        var layers = sp.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal(2, layers.Length); // 64x64 hidden, 10x64 output
        long nnz = 0, positions = 0;
        foreach (var l in layers)
        {
            long n = l.GetProperty("nnz").GetInt64(), p = (long)l.GetProperty("rows").GetInt32() * l.GetProperty("cols").GetInt32();
            Assert.InRange(n, 1, p);
            Assert.Equal((double)n / p, l.GetProperty("density").GetDouble(), 6);
            nnz += n;
            positions += p;
        }
        Assert.InRange((double)nnz / positions, Density - 0.01, Density + 0.01);
        long biases = 64 + 10, nonzero = root.GetProperty("params_nonzero").GetInt64();
        if (method == "topkast")
        {
            // Parameters are θ on the backward set B ⊇ A.
            long backward = layers.Sum(l => l.GetProperty("backward_nnz").GetInt64());
            Assert.InRange(nonzero, nnz, backward + biases);
        }
        else Assert.InRange(nonzero, nnz - positions / 100, nnz + biases); // a few kept weights may be exactly 0 (regrown)
        double rel = sp.GetProperty("train_flops_relative_to_dense").GetDouble();
        if (method is "snfs" or "spartan") Assert.Equal(1.0, rel, 6); // masked dense, as published
        else Assert.InRange(rel, 0.1, 0.5);
    }

    [Fact]
    public void TopKastWeightsAreDecayedByTheirPenaltyAndEveryOtherParameterByTheOptimizer()
    {
        // As in every other run, BatchNorm, biases and the dense stem keep --weight-decay; only the Top-KAST weights,
        // which the layers' own penalty regularizes, are exempt from it (one decay per parameter, never two).
        var s = new TrainSettings { Method = "topkast", Model = "resnet8", Density = 0.2, WeightDecay = 5e-4, DenseFirstLayer = true };
        TrainingSetup.Validate(s);
        var method = MethodRegistry.Get(s.Method).ForRun();
        var model = method.BuildModel(s, new ImageShape(1, 8, 8), 10, new Rng(3));
        var trainer = new Trainer(model, TrainingSetup.Optimizer(s, model));
        _ = method.Callbacks(trainer, s, 10).ToList();
        var expected = model.LayersOf<ITopKastLayer>().Select(l => l.Path + ".weight").Order().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, trainer.Optimizer.WeightDecayExempt.Order().ToList());
        Assert.Contains(trainer.Optimizer.Parameters, p => p.Name.Contains("bn", StringComparison.Ordinal) && !expected.Contains(p.Name));
        Assert.Equal(5e-4f, ((Sprout.Nn.Optim.Sgd)trainer.Optimizer).WeightDecay);
    }

    [Fact]
    public void SpartanCheckpointHoldsTheEvaluatedSparseModel()
    {
        var r = CliRunner.Run(["train", "--model", "mlp:64", "--epochs", "2", "--out", _cli.PathOf("sp"), "--method", "spartan", "--density", "0.2"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var e = CliRunner.Run(["eval", "--checkpoint", _cli.PathOf("sp", "last.safetensors"), "--json"]);
        Assert.True(e.ExitCode == 0, e.ToString());
        using var eval = JsonDocument.Parse(e.Output);
        using var summary = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("sp", "summary.json")));
        Assert.Equal(summary.RootElement.GetProperty("test_accuracy").GetDouble(), eval.RootElement.GetProperty("accuracy").GetDouble(), 9);
    }

    public static TheoryData<string[], string> BadOptions() => new()
    {
        { ["--method", "gse", "--gse-subset", "0"], "--gse-subset must be" },
        { ["--method", "gse", "--gse-scope", "net"], "unknown gse-scope 'net'; valid: layer, global" },
        { ["--method", "gse-grabo", "--layer-kind", "masked"], "--method gse-grabo samples from the layer's last batch" },
        { ["--method", "dst-ee", "--dst-ee-c", "-1"], "--dst-ee-c must be" },
        { ["--method", "dst-ee", "--dst-ee-bonus", "exp"], "unknown dst-ee-bonus 'exp'; valid: linear, ucb" },
        { ["--method", "dst-ee", "--dst-ee-epsilon", "0"], "--dst-ee-epsilon must be" },
        { ["--method", "snfs", "--snfs-prune-rate", "1.5"], "--snfs-prune-rate must be in [0, 1]" },
        { ["--method", "snfs", "--optimizer", "adam"], "--method snfs grows by SGD momentum" },
        { ["--method", "snfs-sparse", "--snfs-pool-momentum", "1"], "--snfs-pool-momentum must be in [0, 1)" },
        { ["--method", "topkast", "--topkast-backward", "0.9", "--density", "0.2"], "--topkast-backward must be at most 1 - --density" },
        { ["--method", "topkast", "--topkast-refresh", "0"], "--topkast-refresh must be a positive integer" },
        { ["--method", "topkast", "--topkast-penalty", "l3"], "unknown topkast-penalty 'l3'" },
        { ["--method", "spartan", "--spartan-beta", "0.5"], "--spartan-beta must be" },
        { ["--method", "spartan", "--spartan-block", "4by4"], "--spartan-block must be RxC" },
        { ["--method", "spartan", "--spartan-warmup", "0.7", "--spartan-finetune", "0.5"], "--spartan-warmup + --spartan-finetune must be at most 1" },
        { ["--method", "spartan", "--spartan-allocation", "foo"], "unknown spartan-allocation 'foo'" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadMethodOptionExitsTwoWithOneLine(string[] args, string phrase)
    {
        var r = CliRunner.Run(["train", "--out", _cli.PathOf("bad"), .. args]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(phrase, r.ErrorLine);
        Assert.False(Directory.Exists(_cli.PathOf("bad")));
    }
}
