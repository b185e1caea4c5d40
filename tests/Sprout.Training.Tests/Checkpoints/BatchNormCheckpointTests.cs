// Checkpoints of a conv net with BatchNorm: the running statistics (module buffers) are saved under their module paths
// and restored, so resuming a ResNet is bit-exact in parameters, optimizer state and running statistics.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;

namespace Sprout.Training.Tests.Checkpoints;

public sealed class BatchNormCheckpointTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-bn-ckpt");

    public void Dispose() => _dir.Dispose();

    private static Trainer Make(Blobs data, ulong seed)
    {
        var model = ConvModels.Build("resnet20", new DenseTestFactory(seed), 2, 4, 4, data.Classes);
        var opt = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
        return new Trainer(model, opt, new CosineLr(2 * data.BatchesPerEpoch));
    }

    [Fact]
    public void RunningStatisticsAreSavedUnderTheirPaths()
    {
        var data = new Blobs(samples: 64, features: 32, seed: 3);
        var trainer = Make(data, 1);
        trainer.Fit(data, data, 1);
        string path = _dir.PathOf("bn.safetensors");
        Checkpoint.Save(path, trainer);
        var names = SafetensorsFile.Read(path).Entries.Select(e => e.Name).ToHashSet();
        Assert.Contains("bn1.running_mean", names);
        Assert.Contains("layer3.2.bn2.running_var", names);
        Assert.DoesNotContain("optimizer.bn1.running_mean.momentum", names);

        var model = ConvModels.Build("resnet20", new DenseTestFactory(9), 2, 4, 4, data.Classes);
        Checkpoint.LoadModel(path, model);
        AssertSame(trainer.Model.NamedBuffers(), model.NamedBuffers());
    }

    [Fact]
    public void ResumeOfAResNetIsBitExact()
    {
        var (train, test) = (new Blobs(samples: 96, features: 32, seed: 5), new Blobs(samples: 32, features: 32, seed: 5, shuffle: false));
        var straight = Make(train, 1);
        straight.Fit(train, test, 2);

        var first = Make(train, 1);
        first.Fit(train, test, 1);
        string path = _dir.PathOf("one.safetensors");
        Checkpoint.Save(path, first);
        var resumed = Make(train, 77);   // a different init: restore must overwrite weights and statistics
        Checkpoint.Restore(path, resumed);
        resumed.Fit(train, test, 2);

        AssertSame(straight.Model.NamedParameters(), resumed.Model.NamedParameters());
        AssertSame(straight.Model.NamedBuffers(), resumed.Model.NamedBuffers());
        AssertSame(straight.Optimizer.StateTensors(), resumed.Optimizer.StateTensors());
    }

    private static void AssertSame(IReadOnlyList<(string Name, Tensor Tensor)> expected, IReadOnlyList<(string Name, Tensor Tensor)> actual)
    {
        Assert.Equal(expected.Select(p => p.Name), actual.Select(p => p.Name));
        Assert.NotEmpty(expected);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Tensor.Data.SequenceEqual(actual[i].Tensor.Data), $"{expected[i].Name} differs");
    }
}
