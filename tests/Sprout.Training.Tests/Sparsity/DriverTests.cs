// The sparsity driver: FLOPs relative to dense follow the executed ops (≈ density for CSR, 1 for masked), RigL's
// dense gradient is counted at update steps, and the per-layer table lists every layer.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class DriverTests
{
    private static double Run(SparseLayerKind kind, ITopologyUpdater? updater, out SparseTrainingDriver driver)
    {
        var model = SparseModels.Build(f => Models.Mlp(20, [30], 4, f), new DensityAllocationOptions(0.1, DensityDistribution.Uniform), new Rng(1), kind);
        var opt = new Sgd(model.NamedParameters(), 0.05f);
        driver = new SparseTrainingDriver(model, updater, new UpdateSchedule(2, 6, 0.3f), seed: 1);
        var tape = new Tape();
        var x = new Tensor(8, 20);
        new Rng(2).FillNormal(x.Data, 0, 1);
        var labels = Enumerable.Range(0, 8).Select(i => i % 4).ToArray();
        for (int step = 1; step <= 6; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, 8);
            tape.Backward(loss);
            opt.Step();
            driver.AfterOptimizerStep(step, opt, 8);
            opt.ZeroGrad();
            tape.Reset();
        }
        return driver.Flops.RelativeToDense;
    }

    [Fact]
    public void Flops_FollowExecutedOps()
    {
        Assert.Equal(0.1, Run(SparseLayerKind.Csr, null, out var d), 3);
        Assert.Equal(1.0, Run(SparseLayerKind.Masked, null, out _), 9);
        Assert.Equal(0, d.Updates);
        double set = Run(SparseLayerKind.Csr, new Set(), out var ds);
        Assert.Equal(2, ds.Updates); // steps 2 and 4 (cosine reaches 0 at step 6)
        Assert.Equal(0.1, set, 3);
        // RigL adds Rows·Cols·batch per layer per update: 2 updates over 6 steps of 3·dense ⇒ +2/(3·6) of dense.
        Assert.Equal(0.1 + 2.0 / 18, Run(SparseLayerKind.Csr, new RigL(), out _), 3);
        string table = d.LayerTable();
        Assert.Contains("20→30", table);
        Assert.Contains("30→4", table);
    }

    [Fact]
    public void OffScheduleSteps_AllocateNothing()
    {
        var model = SparseModels.Build(f => Models.Mlp(20, [30], 4, f), new DensityAllocationOptions(0.1, DensityDistribution.Uniform), new Rng(1), SparseLayerKind.Csr);
        var opt = new Sgd(model.NamedParameters(), 0.05f);
        var driver = new SparseTrainingDriver(model, new RigL(), new UpdateSchedule(1000, 2000, 0.3f), seed: 1);
        driver.AfterOptimizerStep(1, opt, 8); // first call: JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 2; step < 50; step++) driver.AfterOptimizerStep(step, opt, 8);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Flops_TopKastCountsForwardSetTwiceAndBackwardSetOnce()
    {
        var layer = new TopKastLinear(50, 40, 0.1, 0.2, new Rng(3));
        var model = new Sequential(new Flatten(), layer);
        var driver = new SparseTrainingDriver(model, null, null);
        driver.AfterOptimizerStep(1, new Sgd(model.NamedParameters(), 0.1f), 8);
        double expected = (2.0 * layer.ForwardCount + layer.BackwardCount) / (3.0 * 50 * 40);
        Assert.Equal(expected, driver.Flops.RelativeToDense, 9);
        Assert.Equal(("topkast", (long)layer.ForwardCount), (driver.Layers()[0].Kind, driver.Layers()[0].Nnz));
    }
    [Fact]
    public void LayersKeepTheirBatchOnlyWhenTheTopologyCanChange()
    {
        SparseLinear[] LayersWith(ITopologyUpdater? updater)
        {
            var model = SparseModels.Build(f => Models.Mlp(20, [30], 4, f), new DensityAllocationOptions(0.1, DensityDistribution.Uniform), new Rng(1), SparseLayerKind.Csr);
            _ = new SparseTrainingDriver(model, updater, new UpdateSchedule(2, 6, 0.3f), seed: 1);
            return model.Modules().OfType<SparseLinear>().ToArray();
        }
        // Static: nothing reads the last batch, so no layer keeps one. RigL reads it at update steps.
        Assert.All(LayersWith(null), l => Assert.False(l.CachesBatch));
        Assert.All(LayersWith(new StaticSparse()), l => Assert.False(l.CachesBatch));
        Assert.All(LayersWith(new RigL()), l => Assert.True(l.CachesBatch));
    }
}
