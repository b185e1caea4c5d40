// Sparse momentum with redistribution: the total budget is exact while per-layer nnz follows the momentum share,
// CSR and mask agree, grown weights are 0 and only zero positions grow; the allocation arithmetic is exact.
using Sprout.Sparse;

namespace Sprout.Nn.Tests.Topology;

public class SparseMomentumRedistributionTests
{
    [Fact]
    public void KeepsTotalBudgetAndMovesItByMomentum()
    {
        var h = new MethodHarness(1, SparseLayerKind.Masked, maskGradients: false);
        var layers = h.Layers.Cast<MaskedLinear>().ToArray();
        for (int s = 0; s < 5; s++) h.TrainStep();
        int total = layers.Sum(l => l.Topology.Nnz);
        var before = h.Snapshot();
        var regrow = SparseMomentumRedistribution.Update(layers, h.Optimizer, 0.5f);
        Assert.Equal(total, layers.Sum(l => l.Topology.Nnz));
        Assert.True(regrow.Sum() > 0);
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            layer.Topology.CheckInvariants();
            var mask = layer.Mask.ToArray();
            Assert.Equal(layer.Topology.Nnz, mask.Count(m => m == 1f));
            for (int i = 0; i < mask.Length; i++) if (mask[i] == 0f) Assert.Equal(0f, layer.Weight[i]);
            var old = before[l].ToHashSet();
            foreach (long k in h.Snapshot()[l].Where(k => !old.Contains(k))) Assert.Equal(0f, layer.Weight[(int)k]);
        }
        Assert.NotEqual(before.Select(b => b.Length), layers.Select(l => l.Topology.Nnz)); // nnz moved between layers
        h.TrainStep(); // the rebuilt layers still train
    }

    [Fact]
    public void AllocationIsExactAndRespectsCaps()
    {
        var r = SparseMomentumRedistribution.Allocate(100, [0.5, 0.3, 0.2], l => l == 0 ? 30 : 1000);
        Assert.Equal(100, r.Sum());
        Assert.Equal(30, r[0]);
        var exact = SparseMomentumRedistribution.Allocate(10, [1 / 3.0, 1 / 3.0, 1 / 3.0], _ => 100);
        Assert.Equal(10, exact.Sum());
        Assert.Throws<InvalidOperationException>(() => SparseMomentumRedistribution.Allocate(10, [0.5, 0.5], _ => 2));
    }
}
