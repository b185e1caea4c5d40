// `sprout train --method magnitude --mask-from <dense checkpoint>`: the one-shot lottery ticket. The sparse model keeps
// the largest |w| of the trained dense run per layer (--distribution) and starts from the dense run's own initial
// weights, rebuilt from the seed saved in the checkpoint (checked against a dense run whose learning rate is too small
// to move any weight, so its checkpoint holds its initial weights). Its checkpoint evaluates without the source run.
// Bad sources exit 2 before any run folder exists.
using System.Text.Json;
using Sprout.Cli.Config;
using Sprout.Cli.Methods;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Training.Checkpoints;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Tests;

public sealed class MaskFromTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private CliResult Dense(string name, params string[] extra) => _cli.Train(name, ["--model", "mlp:24,12", "--epochs", "1", "--seed", "9", .. extra]);

    private Module Build(TrainSettings s)
    {
        var test = DatasetRegistry.Load("digits", new DataOptions()).Test;
        return MethodRegistry.Get("magnitude").ForRun().BuildModel(s, test.ImageShape, test.ClassCount, Rng.Derive(s.Seed, "model.init"));
    }

    private static TrainSettings Settings(string maskFrom, double density) => new()
    {
        Data = "digits", Model = "mlp:24,12", Method = "magnitude", Density = density, Distribution = "erk", MaskFrom = maskFrom, Seed = 3,
    };

    [Fact]
    public void StartsFromTheDenseRunsInitialWeights()
    {
        var frozen = Dense("frozen", "--lr", "1e-30", "--weight-decay", "0");
        Assert.True(frozen.ExitCode == 0, frozen.ToString());
        string checkpoint = _cli.PathOf("frozen", "best.safetensors");
        var theta0 = ModelWeights(checkpoint);

        var sparse = Build(Settings(checkpoint, 0.3)); // another seed than the dense run's: the rewind uses the saved one
        var layers = sparse.LayersOf<ISparseLayer>();
        Assert.NotEmpty(layers);
        foreach (var (path, layer) in layers)
        {
            var topology = layer.Topology;
            var w = theta0[path + ".weight"];
            for (int p = 0; p < topology.Nnz; p++) Assert.Equal(w[(int)topology.LinearIndexOf(p)], topology.Values[p]);
        }
    }

    [Fact]
    public void KeepsTheLargestTrainedWeightsWithTheAllocatedCountPerLayer()
    {
        var dense = Dense("dense", "--lr", "0.5");
        Assert.True(dense.ExitCode == 0, dense.ToString());
        string checkpoint = _cli.PathOf("dense", "best.safetensors");
        var trained = ModelWeights(checkpoint);
        var settings = Settings(checkpoint, 0.25);

        var sparse = Build(settings);
        var again = Build(settings);

        var plan = RecordingLayerFactory.Plan(Models.ModelRegistry.Builder("mlp:24,12", new ImageShape(1, 8, 8), 10, 9),
            new Sprout.Sparse.Allocation.DensityAllocationOptions(0.25, Sprout.Sparse.Allocation.DensityDistribution.ErdosRenyiKernel));
        var layers = sparse.LayersOf<ISparseLayer>();
        Assert.Equal(plan.Densities.Count, layers.Length);
        for (int l = 0; l < layers.Length; l++)
        {
            var (path, layer) = layers[l];
            var w = trained[path + ".weight"];
            int keep = (int)Math.Round(plan.Densities[l] * w.Length);
            Assert.Equal(keep, layer.Topology.Nnz);
            var expected = Enumerable.Range(0, w.Length).OrderByDescending(i => MathF.Abs(w[i])).ThenBy(i => i).Take(keep).Order();
            Assert.Equal(expected, Enumerable.Range(0, keep).Select(p => (int)layer.Topology.LinearIndexOf(p)).Order());
            Assert.Equal(layer.Topology.Values.ToArray(), again.LayersOf<ISparseLayer>()[l].Layer.Topology.Values.ToArray()); // deterministic
        }

        var run = _cli.Train("ticket", "--model", "mlp:24,12", "--epochs", "1", "--method", "magnitude", "--density", "0.25", "--mask-from", checkpoint);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(_cli.PathOf("ticket", "summary.json")));
        Assert.Equal(checkpoint, summary.RootElement.GetProperty("config").GetProperty("mask-from").GetString());
        Assert.Contains("mask-from:", File.ReadAllText(_cli.PathOf("ticket", "config.yaml")));

        // The ticket's checkpoint holds its topology: evaluating it needs no dense source run any more.
        File.Delete(checkpoint);
        var eval = CliRunner.Run(["eval", "--checkpoint", _cli.PathOf("ticket", "best.safetensors"), "--json"]);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        using var evalJson = JsonDocument.Parse(eval.Output);
        Assert.Equal(summary.RootElement.GetProperty("test_accuracy").GetDouble(), evalJson.RootElement.GetProperty("accuracy").GetDouble(), 6);
    }

    [Fact]
    public void BadSourcesExitTwoWithoutARunFolder()
    {
        Assert.Equal(0, Dense("dense").ExitCode);
        Assert.Equal(0, _cli.Train("static", "--model", "mlp:24,12", "--epochs", "1", "--method", "static", "--density", "0.5").ExitCode);
        string good = _cli.PathOf("dense", "best.safetensors");
        File.WriteAllText(_cli.PathOf("junk.safetensors"), "not a checkpoint");
        (string[] Args, string Phrase)[] cases =
        [
            (["--mask-from", _cli.PathOf("missing.safetensors")], "does not exist"),
            (["--mask-from", _cli.PathOf("junk.safetensors")], "--mask-from"),
            (["--mask-from", _cli.PathOf("static", "best.safetensors")], "--method static run"),
            (["--mask-from", good, "--model", "mlp:300,100"], "--model mlp:24,12"),
            (["--mask-from", good, "--density", "0"], "--density"),
            (["--mask-from", good, "--density", "1.5"], "--density"),
            (["--mask-from", good, "--density", "1"], "--density"),
            (["--mask-from", good, "--method", "snip"], "--method magnitude only"),
            (["--mask-from", good, "--method", "topkast"], "--method magnitude only"),
            (["--mask-from", good, "--method", "dense", "--density", "1"], "--method magnitude only"),
        ];
        for (int i = 0; i < cases.Length; i++)
        {
            var r = CliRunner.Run(["train", "--model", "mlp:24,12", "--epochs", "1", "--method", "magnitude", "--density", "0.3", "--out", _cli.PathOf($"bad{i}"), .. cases[i].Args]);
            Assert.True(r.ExitCode == 2, $"case {i}: {r}");
            Assert.Contains(cases[i].Phrase, r.ErrorLine);
            Assert.False(Directory.Exists(_cli.PathOf($"bad{i}")), $"case {i}: no run folder for a refused run");
        }
    }

    private static Dictionary<string, float[]> ModelWeights(string checkpoint)
    {
        var info = Checkpoint.ReadInfo(checkpoint);
        var s = new TrainSettings();
        ConfigFile.ApplyText(info[Commands.TrainCommand.ConfigMetadataKey]!, "test", s);
        var model = Models.ModelRegistry.Builder(s.Model, new ImageShape(1, 8, 8), 10, s.Seed)(new DenseLayerFactory(new Rng(0)));
        Checkpoint.LoadModel(checkpoint, model);
        return model.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor.ToArray());
    }
}
