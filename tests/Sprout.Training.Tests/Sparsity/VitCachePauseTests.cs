// The driver pauses the batch caches of a sparse ViT's linear layers too: layers with a feature-major input (the
// attention output projection and fc2, behind feature-major chains) skip their input copy between updates, and
// training under RigL is the same, bit for bit, as with every batch kept.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class VitCachePauseTests
{
    private static readonly VitConfig Config = new(Channels: 3, Height: 8, Width: 12, Classes: 5, Patch: 4, Dim: 16, Depth: 2, Heads: 2, HeadDim: 8, MlpDim: 32);

    // Eight AdamW steps under RigL (CachePauseRun); `fillAlways` undoes the pause after every step.
    private static (Module Model, SparseTrainingDriver Driver, List<bool[]> Paused) Train(bool fillAlways)
    {
        var model = SparseModels.Build(f => new SimpleVit(Config, f, new Rng(2)), new DensityAllocationOptions(0.3), new Rng(1), SparseLayerKind.Csr);
        var x = new Tensor(4, 3 * 8 * 12);
        new Rng(3).FillNormal(x.Data, 0, 1);
        var (driver, paused) = CachePauseRun.Train<SparseLinear>(model, new AdamW(model.NamedParameters(), 3e-3f, weightDecay: 0.05f), new RigL(),
            x, [0, 1, 2, 4], l => l.CachePaused, l => l.CachePaused = false, fillAlways);
        return (model, driver, paused);
    }

    [Fact]
    public void LinearCachesAreFilledOnlyBeforeUpdates_AndTrainingIsUnchanged()
    {
        var (paused, driver, flags) = Train(fillAlways: false);
        var (always, alwaysDriver, _) = Train(fillAlways: true);
        Assert.Contains(paused.Modules().OfType<SparseLinear>(), l => l.Options.Output == Layout.FeatureMajor);
        Assert.Equal(2, driver.Updates);
        Assert.Equal(alwaysDriver.Updates, driver.Updates);
        CachePauseRun.AssertKeptOnlyBeforeUpdates(flags);
        CachePauseRun.AssertSameTraining<SparseLinear>(paused, always);
    }
}
