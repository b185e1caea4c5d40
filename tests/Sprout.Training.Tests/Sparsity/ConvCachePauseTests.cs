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
    // Eight steps of a CSR ResNet-8 under RigL (updates at steps 3 and 6); `fillAlways` undoes the pause after every step.
    private static (Module Model, SparseTrainingDriver Driver, List<bool[]> Paused) Train(bool fillAlways, ITopologyUpdater updater)
    {
        var model = SparseModels.Build(f => ConvModels.Build("resnet8", f, 2, 6, 6, 3), new DensityAllocationOptions(0.3), new Rng(1), SparseLayerKind.Csr);
        var convs = model.Modules().OfType<SparseConv2d>().ToArray();
        var opt = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f);
        var driver = new SparseTrainingDriver(model, updater, new UpdateSchedule(3, 100, 0.3f), seed: 2);
        var tape = new Tape();
        var x = new Tensor(4, 2 * 6 * 6);
        new Rng(3).FillNormal(x.Data, 0, 1);
        int[] labels = [0, 1, 2, 0];
        var paused = new List<bool[]>();
        for (int step = 1; step <= 8; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, 4);
            tape.Backward(loss);
            opt.Step();
            driver.AfterOptimizerStep(step, opt, 4);
            opt.ZeroGrad();
            tape.Reset();
            paused.Add(convs.Select(c => c.CachePaused).ToArray());
            if (fillAlways) foreach (var c in convs) c.CachePaused = false;
        }
        return (model, driver, paused);
    }

    [Fact]
    public void CachesAreFilledOnlyBeforeUpdates_AndTrainingIsUnchanged()
    {
        var (paused, driver, flags) = Train(fillAlways: false, new RigL());
        var (always, alwaysDriver, _) = Train(fillAlways: true, new RigL());
        Assert.Equal(2, driver.Updates);
        Assert.Equal(alwaysDriver.Updates, driver.Updates);
        for (int step = 1; step <= 8; step++)
            Assert.All(flags[step - 1], p => Assert.Equal((step + 1) % 3 != 0, p)); // filled for steps 3 and 6 only
        var a = paused.NamedParameters();
        var b = always.NamedParameters();
        for (int i = 0; i < a.Count; i++) Assert.Equal(b[i].Tensor.Data.ToArray(), a[i].Tensor.Data.ToArray());
        var ta = paused.Modules().OfType<SparseConv2d>().Select(c => c.Topology).ToArray();
        var tb = always.Modules().OfType<SparseConv2d>().Select(c => c.Topology).ToArray();
        for (int i = 0; i < ta.Length; i++) Assert.Equal(tb[i].ColumnIndices.ToArray(), ta[i].ColumnIndices.ToArray());
    }

    [Fact]
    public void MethodsThatObserveEveryStep_KeepEveryBatch()
    {
        var (_, _, flags) = Train(fillAlways: false, new SparseMomentum());
        Assert.All(flags, step => Assert.All(step, p => Assert.False(p)));
    }
}
