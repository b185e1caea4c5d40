// Models whose weight layers sit inside a block (a Sequential inside the top-level Sequential): every method that
// is not drop/grow (pruning at init, GMP, IMP, Top-KAST, Spartan) and the sparse builder find all of them through
// the module tree by path, where the old flat OfType<Linear>() scan saw only the top-level one.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Pruning;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class NestedModelTests
{
    private static readonly string[] Paths = ["1.0", "1.2", "3"];

    /// <summary>Flatten → block(Linear → ReLU → Linear) → ReLU → Linear: two of the three weight layers are nested.</summary>
    private static Sequential Nested(ILayerFactory f) => new(
        new Flatten(),
        new Sequential(f.Linear("1.0", 12, 10), new Relu(), f.Linear("1.2", 10, 8)),
        new Relu(),
        f.Linear("3", 8, 4));

    private static (Tensor X, int[] Labels) Batch()
    {
        var x = new Tensor(16, 12);
        new Rng(11).FillUniform(x.Data, -1f, 1f);
        return (x, Enumerable.Range(0, 16).Select(i => i % 4).ToArray());
    }

    [Fact]
    public void SparseBuild_NamesAndRunsEveryNestedLayer()
    {
        var model = SparseModels.Build(Nested, new DensityAllocationOptions(0.3, DensityDistribution.Uniform), new Rng(1));
        Assert.Equal(Paths, model.SparseLayers().Select(l => l.LayerName));
        Assert.Equal(Paths, new SparseTrainingDriver(model, null, null).Layers().Select(r => r.Name));
        Assert.Equal([16, 4], model.Forward(Batch().X).Shape.ToArray());
    }

    [Theory]
    [InlineData(PruningCriterion.Random)]
    [InlineData(PruningCriterion.Magnitude)]
    [InlineData(PruningCriterion.Snip)]
    [InlineData(PruningCriterion.Grasp)]
    [InlineData(PruningCriterion.SynFlow)]
    public void PruneAtInit_ScoresAndPrunesNestedLayers(PruningCriterion criterion)
    {
        var dense = Nested(new DenseLayerFactory(new Rng(2)));
        var (x, labels) = Batch();
        var masks = PruneAtInit.Masks(dense, criterion, 0.4, [0.4, 0.4, 0.4], x, labels, new Rng(3));
        Assert.Equal(3, masks.Length);
        var sparse = Nested(new PrunedLayerFactory(DenseWeightLayers.Pruned(dense, masks), new Rng(4), SparseLayerKind.Csr)).WithSparseLayerNames();
        var layers = sparse.SparseLayers();
        Assert.Equal(Paths, layers.Select(l => l.LayerName));
        Assert.Equal(Math.Round(0.4 * (120 + 80 + 32)), layers.Sum(l => (double)l.Topology.Nnz), 3.0);
        // The nested layer keeps the dense weights at its surviving positions.
        var nested = (SparseLinear)layers[1];
        var w = ((Linear)((Sequential)dense.Layers[1]).Layers[2]).Weight.ToArray();
        for (int p = 0; p < nested.Topology.Nnz; p++) Assert.Equal(w[nested.Topology.LinearIndexOf(p)], nested.Values[p]);
    }

    [Fact]
    public void Gmp_PrunesNestedLayers_AndExportsThemSparse()
    {
        var dense = Nested(new DenseLayerFactory(new Rng(5)));
        var gmp = new GradualMagnitudePruner(dense, new GmpSchedule(0, 0.5, 1, 1, 1));
        gmp.AfterOptimizerStep(1); // t0: s_i = 0
        gmp.AfterOptimizerStep(2); // t0 + Δt: s_f
        for (int l = 0; l < 3; l++) Assert.Equal(0.5, gmp.SparsityOf(l), 2);
        var sparse = gmp.ToSparse(Nested, SparseLayerKind.Csr, new Rng(6));
        Assert.Equal(Paths, sparse.SparseLayers().Select(l => l.LayerName));
        Assert.Equal(40, ((SparseLinear)sparse.SparseLayers()[1]).Topology.Nnz);
    }

    [Fact]
    public void Imp_PrunesAndRewindsNestedLayers()
    {
        var initial = Nested(new DenseLayerFactory(new Rng(7)));
        var theta0 = ((Linear)((Sequential)initial.Layers[1]).Layers[2]).Weight.ToArray();
        int sparseRounds = 0;
        var rounds = IterativeMagnitudePruning.Run(initial, Nested, 0.25, 2, SparseLayerKind.Csr, (model, r) =>
        {
            var layers = model.SparseLayers();
            if (layers.Count == 3)
            {
                sparseRounds++;
                var s = (SparseLinear)layers[1];
                Assert.Equal("1.2", s.LayerName);
                for (int p = 0; p < s.Topology.Nnz; p++) Assert.Equal(theta0[s.Topology.LinearIndexOf(p)], s.Values[p]); // rewound
            }
            return r;
        }, new Rng(8));
        Assert.Equal(2, sparseRounds);
        Assert.Equal(Math.Round(0.25 * 232) / 232, rounds[2].Density, 9);
    }

    [Fact]
    public void TopKast_And_Spartan_ReachNestedLayers()
    {
        var plan = RecordingLayerFactory.Plan(Nested, new DensityAllocationOptions(0.3, DensityDistribution.Uniform));
        var topKast = Nested(new TopKastLayerFactory(plan, new Rng(9), new TopKastOptions()));
        Assert.Equal(Paths, topKast.LayersOf<TopKastLinear>().Select(l => l.Path));
        Assert.Equal(36, topKast.LayersOf<TopKastLinear>()[0].Layer.ForwardCount); // 0.3 × 10×12

        var dense = Nested(new DenseLayerFactory(new Rng(10)));
        var weights = dense.LayersOf<Linear>().Select(l => l.Layer.Weight).ToArray();
        Assert.Equal(3, weights.Length);
        var spartan = new Spartan(weights, totalSteps: 10, density: 0.3, warmupFraction: 0, finetuneFraction: 0);
        spartan.BeforeForward(9);
        Assert.Equal(0.3 * 232, Enumerable.Range(0, 3).Sum(spartan.HardCount), 3.0); // the budget spans the nested layers too
        Assert.True(spartan.HardCount(1) > 0);
    }
}
