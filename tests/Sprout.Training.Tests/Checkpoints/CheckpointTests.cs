// Checkpoint tests: resuming is bit-exact (2 epochs == 1 epoch + save + restore + 1 epoch, for SGD and
// Adam), model-only loading, and one-line errors for a checkpoint of a different model or optimizer.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;

namespace Sprout.Training.Tests.Checkpoints;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-ckpt");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void ResumeIsBitExact(string optimizer)
    {
        var (train, test) = (new Blobs(seed: 11), new Blobs(samples: 30, seed: 11, shuffle: false));
        var straight = TrainerTests.Make(train, optimizer: optimizer, epochs: 2, lr: optimizer == "adam" ? 0.01f : 0.05f);
        straight.Fit(train, test, 2);

        var first = TrainerTests.Make(train, optimizer: optimizer, epochs: 2, lr: optimizer == "adam" ? 0.01f : 0.05f);
        first.Fit(train, test, 1);
        string path = _dir.PathOf("one.safetensors");
        Checkpoint.Save(path, first, new Dictionary<string, string> { ["note"] = "x" });

        // A fresh process would build the model from a different init; restore must overwrite all of it.
        var resumed = TrainerTests.Make(train, seed: 999, optimizer: optimizer, epochs: 2, lr: optimizer == "adam" ? 0.01f : 0.05f);
        var info = Checkpoint.Restore(path, resumed);
        Assert.Equal((1, train.BatchesPerEpoch, "x"), (info.Epoch, info.Step, info["note"]));
        Assert.Equal(1, resumed.CompletedEpochs);
        var results = resumed.Fit(train, test, 2);
        Assert.Single(results);

        Assert.Equal(straight.Step, resumed.Step);
        AssertSame(straight.Model.NamedParameters(), resumed.Model.NamedParameters());
        AssertSame(straight.Optimizer.StateTensors(), resumed.Optimizer.StateTensors());
    }

    [Fact]
    public void FileHoldsModelAndOptimizerStateUnderStableNames()
    {
        var data = new Blobs(seed: 12);
        var trainer = TrainerTests.Make(data);
        string path = _dir.PathOf("c.safetensors");
        Checkpoint.Save(path, trainer);
        var file = SafetensorsFile.Read(path);
        Assert.Equal(["1.bias", "1.weight", "3.bias", "3.weight", "optimizer.1.bias.momentum", "optimizer.1.weight.momentum",
            "optimizer.3.bias.momentum", "optimizer.3.weight.momentum"], file.Entries.Select(e => e.Name));
        Assert.Equal("Sgd", file.Metadata[Checkpoint.OptimizerKey]);
        Assert.Equal("0", file.Metadata[Checkpoint.EpochKey]);
    }

    [Fact]
    public void LoadModelIgnoresOptimizerState()
    {
        var data = new Blobs(seed: 13);
        var trainer = TrainerTests.Make(data);
        string path = _dir.PathOf("m.safetensors");
        Checkpoint.Save(path, trainer);
        var model = Models.Mlp(data.Features, [16], data.Classes, new Rng(5));
        Checkpoint.LoadModel(path, model);
        AssertSame(trainer.Model.NamedParameters(), model.NamedParameters());
    }

    [Fact]
    public void DifferentModelIsAOneLineError()
    {
        var data = new Blobs(seed: 14);
        string path = _dir.PathOf("d.safetensors");
        Checkpoint.Save(path, TrainerTests.Make(data));
        var wider = Models.Mlp(data.Features, [17], data.Classes, new Rng(5));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, wider));
        Assert.Contains("[16, 8] in the file but [17, 8] in the model", e.Message);
        var deeper = Models.Mlp(data.Features, [16, 4], data.Classes, new Rng(5));
        e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, deeper));
        Assert.Contains("check --model", e.Message);
    }

    [Fact]
    public void DifferentOptimizerIsAOneLineError()
    {
        var data = new Blobs(seed: 15);
        string path = _dir.PathOf("o.safetensors");
        Checkpoint.Save(path, TrainerTests.Make(data));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Restore(path, TrainerTests.Make(data, optimizer: "adam")));
        Assert.Contains("optimizer Sgd", e.Message);
    }

    private static void AssertSame(IReadOnlyList<(string Name, Tensor Tensor)> expected, IReadOnlyList<(string Name, Tensor Tensor)> actual)
    {
        Assert.Equal(expected.Select(p => p.Name), actual.Select(p => p.Name));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Tensor.Data.SequenceEqual(actual[i].Tensor.Data), $"{expected[i].Name} differs");
    }
}
