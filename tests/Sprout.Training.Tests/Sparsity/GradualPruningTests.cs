// GMP's cubic schedule at its end points and midpoint, GMP pruning reaching the scheduled sparsity with pruned
// weights held at zero, and IMP's rounds walking down to the target density with rewinding to θ0.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse.Pruning;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class GradualPruningTests
{
    [Fact]
    public void CubicSchedule_HandValues()
    {
        var s = new GmpSchedule(0, 0.8, startStep: 10, every: 5, rounds: 4);
        Assert.Equal(0, s.SparsityAt(10));
        Assert.Equal(0.8 + (0 - 0.8) * 0.125, s.SparsityAt(20), 12); // halfway: (1 − 1/2)³ = 1/8
        Assert.Equal(0.8, s.SparsityAt(30), 12);
        Assert.Equal(0.8, s.SparsityAt(99), 12);
        Assert.True(s.IsPruningStep(15));
        Assert.False(s.IsPruningStep(16));
        Assert.False(s.IsPruningStep(35));
    }

    [Fact]
    public void Gmp_ReachesScheduledSparsity_AndKeepsPrunedWeightsAtZero()
    {
        var dense = Models.Mlp(10, [8], 3, new Rng(1));
        var gmp = new GradualMagnitudePruner(dense, new GmpSchedule(0, 0.75, 1, 1, 3));
        for (int step = 1; step <= 5; step++)
        {
            foreach (var l in dense.Layers.OfType<Linear>()) l.Weight.Data.Fill(0.5f + step); // an "optimizer step" that touches everything
            gmp.AfterOptimizerStep(step);
        }
        Assert.Equal(0.75, gmp.SparsityOf(0), 2);
        var w = ((Linear)dense.Layers[1]).Weight.ToArray();
        Assert.Equal(20, w.Count(v => v != 0f)); // 80 weights at 25% density
        var sparse = gmp.ToSparse(f => Models.Mlp(10, [8], 3, f), SparseLayerKind.Csr, new Rng(2));
        Assert.Equal(20, Assert.IsType<SparseLinear>(sparse.Layers[1]).Topology.Nnz);
    }

    [Fact]
    public void Imp_WalksDownToTargetDensity_AndRewinds()
    {
        var initial = Models.Mlp(6, [5], 3, new Rng(3));
        var theta0 = ((Linear)initial.Layers[1]).Weight.ToArray();
        var seen = new List<float[]>();
        var rounds = IterativeMagnitudePruning.Run(initial, f => Models.Mlp(6, [5], 3, f), 0.25, 2, SparseLayerKind.Csr, (model, r) =>
        {
            if (((Sequential)model).Layers[1] is SparseLinear s)
            {
                for (int p = 0; p < s.Topology.Nnz; p++) Assert.Equal(theta0[s.Topology.LinearIndexOf(p)], s.Values[p]); // rewound
                s.Values.Data.Fill(r + 1f); // "training"
            }
            return r;
        }, new Rng(4));
        Assert.Equal(3, rounds.Count);
        Assert.Equal(1.0, rounds[0].Density);
        Assert.Equal(Math.Round(0.5 * 45) / 45, rounds[1].Density, 9);
        Assert.Equal(Math.Round(0.25 * 45) / 45, rounds[2].Density, 9);
    }
}
