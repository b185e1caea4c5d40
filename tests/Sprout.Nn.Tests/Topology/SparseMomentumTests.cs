// Sparse momentum: on MaskedLinear it grows the zero weights with the largest |momentum| (never re-picking active
// ones), at 0 with momentum kept; the always-sparse pool variant keeps nnz and the seed; updates happen at epoch ends.
// (Per-layer budgets here; redistribution across layers is in SparseMomentumRedistributionTests.)
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class SparseMomentumTests
{
    [Fact]
    public void MaskedGrowsLargestMomentumZerosAndKeepsTheirMomentum()
    {
        var h = new MethodHarness(1, SparseLayerKind.Masked, maskGradients: false);
        var scheduler = new TopologyScheduler(h.Layers, new SparseMomentum(redistribute: false), new UpdateSchedule(5, 100, 0.3f, FractionDecay.Constant), seed: 1);
        for (int s = 1; s <= 4; s++) { h.TrainStep(); Assert.False(scheduler.Step(s, h.Optimizer)); }
        h.TrainStep();
        var layers = h.Layers.Cast<MaskedLinear>().ToArray();
        var before = h.Snapshot();
        var momentum = layers.Select(l => h.Optimizer.FindState(l.Weight, "momentum")!.ToArray()).ToArray();
        Assert.True(scheduler.Step(5, h.Optimizer));
        var after = h.Snapshot();
        for (int l = 0; l < layers.Length; l++)
        {
            Assert.Equal(before[l].Length, after[l].Length);
            Assert.Equal(after[l].Length, after[l].Distinct().Count());
            var old = before[l].ToHashSet();
            var now = after[l].ToHashSet();
            var grown = after[l].Where(k => !old.Contains(k)).ToArray();
            Assert.NotEmpty(grown);
            float minGrown = grown.Min(k => MathF.Abs(momentum[l][k]));
            // Every position that was inactive before and still is has momentum no larger than any grown one.
            for (long k = 0; k < momentum[l].Length; k++)
                if (!old.Contains(k) && !now.Contains(k)) Assert.True(MathF.Abs(momentum[l][k]) <= minGrown);
            var m = h.Optimizer.FindState(layers[l].Weight, "momentum")!;
            foreach (long k in grown)
            {
                Assert.Equal(0f, layers[l].Weight[(int)k]);
                Assert.Equal(momentum[l][k], m[(int)k]); // not reset
            }
        }
    }

    [Fact]
    public void MaskedWithMaskedGradientsSaysWhatToDo()
    {
        var h = new MethodHarness(2, SparseLayerKind.Masked);
        var scheduler = new TopologyScheduler(h.Layers, new SparseMomentum(), new UpdateSchedule(1, 100, 0.3f));
        h.TrainStep();
        // With masked gradients the dense momentum exists but is zero off the mask; the method still runs and ranks only zeros.
        Assert.True(scheduler.Step(1, h.Optimizer));
        var noOptimizer = new TopologyScheduler(h.Layers, new SparseMomentum(), new UpdateSchedule(1, 100, 0.3f));
        h.TrainStep();
        Assert.Contains("optimizer", Assert.Throws<InvalidOperationException>(() => noOptimizer.Step(1)).Message);
    }

    [Fact]
    public void AlwaysSparsePoolKeepsNnzResetsGrownAndIsReproducible()
    {
        long[][] RunOnce()
        {
            var h = new MethodHarness(3);
            var nnz = h.Layers.Select(l => l.Topology.Nnz).ToArray();
            var scheduler = new TopologyScheduler(h.Layers, new SparseMomentum(redistribute: false), SparseMomentum.DefaultSchedule(stepsPerEpoch: 6, epochs: 5), seed: 4);
            int updates = 0;
            for (int s = 1; s <= 30; s++)
            {
                h.TrainStep();
                var before = h.Snapshot();
                bool changed = scheduler.Step(s, h.Optimizer);
                Assert.Equal(s % 6 == 0 && s < 30, changed); // every epoch end except the last
                if (!changed) continue;
                updates++;
                for (int l = 0; l < h.Layers.Count; l++)
                {
                    var layer = (SparseLinear)h.Layers[l];
                    Assert.Equal(nnz[l], layer.Topology.Nnz);
                    layer.Topology.CheckInvariants();
                    var old = before[l].ToHashSet();
                    var now = h.Snapshot()[l];
                    var mom = h.Optimizer.FindState(layer.Values, "momentum")!;
                    for (int p = 0; p < now.Length; p++)
                        if (!old.Contains(now[p])) { Assert.Equal(0f, layer.Values[p]); Assert.Equal(0f, mom[p]); }
                }
            }
            Assert.Equal(4, updates);
            return h.Snapshot();
        }
        Assert.Equal(RunOnce(), RunOnce());
    }

    [Fact]
    public void PoolMomentumMustBeBelowOne() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SparseMomentum(poolMomentum: 1f));
}
