// Resume of a sparse ResNet with BatchNorm is bit-exact: topology (CSR structure of SparseConv2d / mask of
// MaskedConv2d / Top-KAST conv sets), live weights, BN running statistics, optimizer state, the scheduler's state
// and the FLOP totals all come back, so 1 epoch + checkpoint + 1 epoch equals 2 epochs straight.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;
using Sprout.Training.Checkpoints;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Checkpoints;

public sealed class SparseConvResumeTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-sparse-conv-ckpt");

    public void Dispose() => _dir.Dispose();

    private static ConvNet Build(ILayerFactory f, int classes) => ConvModels.Build("resnet8", f, 2, 4, 4, classes);

    private static Trainer Make(Blobs data, ulong seed, string method)
    {
        var shapes = RecordingLayerFactory.Record(f => Build(f, data.Classes));
        var plan = new DensityPlan(shapes, shapes.Select(_ => 0.3).ToArray());
        ILayerFactory factory = method switch
        {
            "rigl-csr" => new SparseLayerFactory(plan, new Rng(seed), SparseLayerKind.Csr),
            "set-masked" => new SparseLayerFactory(plan, new Rng(seed), SparseLayerKind.Masked),
            _ => new TopKastLayerFactory(plan, new Rng(seed), new TopKastOptions(BackwardExtra: 0.1, RefreshEvery: 2)),
        };
        var model = Build(factory, data.Classes);
        var opt = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: method == "topkast" ? 0 : 5e-4f, nesterov: true);
        var trainer = new Trainer(model, opt, new CosineLr(2 * data.BatchesPerEpoch));
        ITopologyUpdater? updater = method switch { "rigl-csr" => new RigL(), "set-masked" => new Set(), _ => null };
        var driver = new SparseTrainingDriver(model, updater, updater is null ? null : new UpdateSchedule(2, 1000, 0.3f), seed: 3);
        trainer.Callbacks.Add(new SparsityCallback(driver));
        if (method == "topkast") trainer.Callbacks.Add(new TopKastSteps(model.LayersOf<ITopKastLayer>().Select(l => l.Layer).ToArray()));
        return trainer;
    }

    [Theory]
    [InlineData("rigl-csr")]
    [InlineData("set-masked")]
    [InlineData("topkast")]
    public void ResumeOfASparseResNetIsBitExact(string method)
    {
        var (train, test) = (new Blobs(samples: 64, features: 32, seed: 5), new Blobs(samples: 16, features: 32, seed: 5, shuffle: false));
        var straight = Make(train, 1, method);
        straight.Fit(train, test, 2);

        var first = Make(train, 1, method);
        first.Fit(train, test, 1);
        string path = _dir.PathOf($"{method}.safetensors");
        Checkpoint.Save(path, first);
        var resumed = Make(train, 77, method); // a different seed: restore must overwrite topology, weights and statistics
        Checkpoint.Restore(path, resumed);
        resumed.Fit(train, test, 2);

        AssertSame(straight.Model.NamedParameters(), resumed.Model.NamedParameters());
        AssertSame(straight.Model.NamedBuffers(), resumed.Model.NamedBuffers());
        AssertSame(straight.Optimizer.StateTensors(), resumed.Optimizer.StateTensors());
        var a = straight.Model.LayersOf<ISparseLayer>();
        var b = resumed.Model.LayersOf<ISparseLayer>();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.Equal(Keys(a[i].Layer.Topology), Keys(b[i].Layer.Topology));
        var fa = ((SparsityCallback)straight.Callbacks[0]).Driver;
        var fb = ((SparsityCallback)resumed.Callbacks[0]).Driver;
        Assert.Equal(fa.Flops.ExecutedMacs, fb.Flops.ExecutedMacs);
        Assert.Equal(fa.Updates, fb.Updates);
        if (method != "topkast") Assert.True(fa.Updates > 0);
    }

    private static long[] Keys(CsrMatrix m) => Enumerable.Range(0, m.Nnz).Select(m.LinearIndexOf).ToArray();

    private static void AssertSame(IReadOnlyList<(string Name, Tensor Tensor)> expected, IReadOnlyList<(string Name, Tensor Tensor)> actual)
    {
        Assert.Equal(expected.Select(p => p.Name), actual.Select(p => p.Name));
        Assert.NotEmpty(expected);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(expected[i].Tensor.Data.SequenceEqual(actual[i].Tensor.Data), $"{expected[i].Name} differs");
    }

    /// <summary>Refreshes Top-KAST layers after every step (what the CLI's TopKastRefreshCallback does).</summary>
    private sealed class TopKastSteps(ITopKastLayer[] layers) : ITrainingCallback
    {
        public void OnStepEnd(Trainer trainer, in StepInfo step)
        {
            foreach (var l in layers) l.Step(trainer.Step, trainer.Optimizer);
        }
    }
}
