// Sparse momentum with redistribution, on masked (published) and CSR (always-sparse) layers through the scheduler:
// the total budget is exact while per-layer nnz follows the momentum share, CSR (and the mask) stay valid, grown
// weights are 0, nothing changes off schedule, the same seed gives the same topology, and switching it off keeps
// every layer's nnz. The allocation arithmetic is exact and respects each layer's cap.
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class SparseMomentumRedistributionTests
{
    private static (long[][] Topology, int[] Nnz) Run(SparseLayerKind kind, bool redistribute, ulong seed)
    {
        var h = new MethodHarness(1, kind, maskGradients: false);
        int total = h.Layers.Sum(l => l.Topology.Nnz);
        var initial = h.Layers.Select(l => l.Topology.Nnz).ToArray();
        var scheduler = new TopologyScheduler(h.Layers, new SparseMomentum(redistribute: redistribute), SparseMomentum.DefaultSchedule(stepsPerEpoch: 4, epochs: 6), seed);
        for (int s = 1; s <= 24; s++)
        {
            h.TrainStep();
            var before = h.Snapshot();
            bool changed = scheduler.Step(s, h.Optimizer);
            Assert.Equal(s % 4 == 0 && s < 24, changed);
            if (!changed)
            {
                Assert.Equal(before, h.Snapshot());
                continue;
            }
            Assert.Equal(total, h.Layers.Sum(l => l.Topology.Nnz));
            for (int l = 0; l < h.Layers.Count; l++)
            {
                var layer = h.Layers[l];
                layer.Topology.CheckInvariants();
                Assert.Equal(layer.Topology.Nnz, scheduler.LastUpdate[l].Nnz);
                if (!redistribute) Assert.Equal(initial[l], layer.Topology.Nnz);
                var old = before[l].ToHashSet();
                var weights = new float[layer.Topology.Nnz];
                layer.ReadActiveWeights(weights);
                var now = h.Snapshot()[l];
                for (int p = 0; p < now.Length; p++) if (!old.Contains(now[p])) Assert.Equal(0f, weights[p]);
                if (layer is MaskedLinear m)
                {
                    var mask = m.Mask.ToArray();
                    Assert.Equal(m.Topology.Nnz, mask.Count(v => v == 1f));
                    foreach (long k in now) Assert.Equal(1f, mask[k]);
                }
            }
        }
        return (h.Snapshot(), h.Layers.Select(l => l.Topology.Nnz).ToArray());
    }

    [Theory]
    [InlineData(SparseLayerKind.Masked)]
    [InlineData(SparseLayerKind.Csr)]
    public void KeepsTotalBudgetAndMovesItByMomentum(SparseLayerKind kind)
    {
        var h = new MethodHarness(1, kind);
        var initial = h.Layers.Select(l => l.Topology.Nnz).ToArray();
        var (topology, nnz) = Run(kind, redistribute: true, seed: 3);
        Assert.NotEqual(initial, nnz); // budget moved between layers
        Assert.Equal(topology, Run(kind, redistribute: true, seed: 3).Topology);
    }

    [Fact]
    public void SwitchedOffKeepsEveryLayersNnz()
    {
        var h = new MethodHarness(1, SparseLayerKind.Csr);
        Assert.Equal(h.Layers.Select(l => l.Topology.Nnz), Run(SparseLayerKind.Csr, redistribute: false, seed: 3).Nnz);
    }

    [Fact]
    public void AllocationIsExactAndRespectsCaps()
    {
        var r = new int[3];
        var rem = new double[3];
        MomentumBudget.Allocate(100, [0.5, 0.3, 0.2], [30, 1000, 1000], r, rem);
        Assert.Equal([30, 40, 30], r); // 50 → 30 at the cap; the 20 over it spread one per layer per round
        MomentumBudget.Allocate(10, [1 / 3.0, 1 / 3.0, 1 / 3.0], [100, 100, 100], r, rem);
        Assert.Equal([4, 3, 3], r);
        var ex = Assert.Throws<InvalidOperationException>(() => MomentumBudget.Allocate(10, [0.5, 0.5], [2, 2], r.AsSpan(0, 2), rem.AsSpan(0, 2)));
        Assert.Contains("no layer has room", ex.Message, StringComparison.OrdinalIgnoreCase);
    }
}
