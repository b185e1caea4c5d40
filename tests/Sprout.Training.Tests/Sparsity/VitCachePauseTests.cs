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

    // Eight AdamW steps under RigL (updates at steps 3 and 6); `fillAlways` undoes the pause after every step.
    private static (Module Model, SparseTrainingDriver Driver, List<bool[]> Paused) Train(bool fillAlways)
    {
        var model = SparseModels.Build(f => new SimpleVit(Config, f, new Rng(2)), new DensityAllocationOptions(0.3), new Rng(1), SparseLayerKind.Csr);
        var linears = model.Modules().OfType<SparseLinear>().ToArray();
        var opt = new AdamW(model.NamedParameters(), 3e-3f, weightDecay: 0.05f);
        var driver = new SparseTrainingDriver(model, new RigL(), new UpdateSchedule(3, 100, 0.3f), seed: 2);
        var tape = new Tape();
        var x = new Tensor(4, 3 * 8 * 12);
        new Rng(3).FillNormal(x.Data, 0, 1);
        int[] labels = [0, 1, 2, 4];
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
            paused.Add(linears.Select(l => l.CachePaused).ToArray());
            if (fillAlways) foreach (var l in linears) l.CachePaused = false;
        }
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
        for (int step = 1; step <= 8; step++)
            Assert.All(flags[step - 1], p => Assert.Equal((step + 1) % 3 != 0, p)); // filled for steps 3 and 6 only
        var a = paused.NamedParameters();
        var b = always.NamedParameters();
        for (int i = 0; i < a.Count; i++) Assert.Equal(b[i].Tensor.Data.ToArray(), a[i].Tensor.Data.ToArray());
        var ta = paused.Modules().OfType<SparseLinear>().Select(l => l.Topology).ToArray();
        var tb = always.Modules().OfType<SparseLinear>().Select(l => l.Topology).ToArray();
        for (int i = 0; i < ta.Length; i++) Assert.Equal(tb[i].ColumnIndices.ToArray(), ta[i].ColumnIndices.ToArray());
    }
}
