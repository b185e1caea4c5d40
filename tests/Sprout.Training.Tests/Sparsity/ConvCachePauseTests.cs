// The driver lets sparse conv layers skip keeping X and dY on steps whose batch no method reads: the batch is kept
// exactly before update steps (every step for methods that observe each one), and the training it produces is the
// same, bit for bit, as with the batch kept on every step.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class ConvCachePauseTests
{
    // Eight steps of a CSR ResNet-8 (CachePauseRun); `fillAlways` undoes the pause after every step.
    private static (Module Model, SparseTrainingDriver Driver, List<bool[]> Paused) Train(bool fillAlways, ITopologyUpdater updater)
    {
        var model = SparseModels.Build(f => ConvModels.Build("resnet8", f, 2, 6, 6, 3), new DensityAllocationOptions(0.3), new Rng(1), SparseLayerKind.Csr);
        var x = new Tensor(4, 2 * 6 * 6);
        new Rng(3).FillNormal(x.Data, 0, 1);
        var (driver, paused) = CachePauseRun.Train<SparseConv2d>(model, new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f), updater,
            x, [0, 1, 2, 0], c => c.CachePaused, c => c.CachePaused = false, fillAlways);
        return (model, driver, paused);
    }

    [Fact]
    public void CachesAreFilledOnlyBeforeUpdates_AndTrainingIsUnchanged()
    {
        var (paused, driver, flags) = Train(fillAlways: false, new RigL());
        var (always, alwaysDriver, _) = Train(fillAlways: true, new RigL());
        Assert.Equal(2, driver.Updates);
        Assert.Equal(alwaysDriver.Updates, driver.Updates);
        CachePauseRun.AssertKeptOnlyBeforeUpdates(flags);
        CachePauseRun.AssertSameTraining<SparseConv2d>(paused, always);
    }

    [Fact]
    public void MethodsThatObserveEveryStep_KeepEveryBatch()
    {
        var (_, _, flags) = Train(fillAlways: false, new SparseMomentum());
        Assert.All(flags, step => Assert.All(step, p => Assert.False(p)));
    }
}
