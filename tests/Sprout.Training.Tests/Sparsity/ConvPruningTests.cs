// Pruning methods on a conv net (ResNet-8 on 3×8×8 random images, BatchNorm, residual adds): pruning at init (random,
// magnitude, SNIP, GraSP, SynFlow with BN in eval mode), GMP and IMP with rewinding score the conv weights found through
// the module tree and yield a sparse ResNet of SparseConv2d layers with the chosen topology and starting weights.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;
using Sprout.TestSupport;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class ConvPruningTests
{
    private static ConvNet Build(ILayerFactory f) => ConvModels.Build("resnet8", f, 3, 8, 8, 10);

    private static (Tensor X, int[] Labels) Batch(ulong seed = 3) =>
        (GradCheck.RandomTensor(seed, 8, 3 * 8 * 8), Enumerable.Range(0, 8).Select(i => i % 10).ToArray());

    [Theory]
    [InlineData(PruningCriterion.Random)]
    [InlineData(PruningCriterion.Magnitude)]
    [InlineData(PruningCriterion.Snip)]
    [InlineData(PruningCriterion.Grasp)]
    [InlineData(PruningCriterion.SynFlow)]
    public void PruneAtInit_ScoresConvWeightsAndBuildsASparseResNet(PruningCriterion criterion)
    {
        var dense = Build(new DenseLayerFactory(new Rng(1)));
        var layers = DenseWeightLayers.Of(dense);
        Assert.Equal(dense.LayersOf<Conv2d>().Length + 1, layers.Length); // every conv and the head
        var before = dense.Parameters().Select(p => p.ToArray()).ToArray();
        var (x, labels) = Batch();
        double density = 0.2;
        long total = layers.Sum(l => (long)l.Weight.Size);
        var masks = PruneAtInit.Masks(dense, criterion, density, layers.Select(_ => density).ToArray(), x, labels, new Rng(2));
        Assert.Equal(layers.Length, masks.Length);
        for (int l = 0; l < masks.Length; l++)
        {
            masks[l].CheckInvariants();
            Assert.Equal((layers[l].Weight.Dim(0), layers[l].Weight.Dim(1)), (masks[l].Rows, masks[l].Cols));
        }
        Assert.InRange(masks.Sum(m => (long)m.Nnz), (long)(0.19 * total), (long)(0.21 * total));
        if (criterion == PruningCriterion.SynFlow)
        {
            Assert.True(dense.Training, "SynFlow restores the training mode it switched to eval");
            var after = dense.Parameters().Select(p => p.ToArray()).ToArray();
            for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
        }

        var sparse = Build(new PrunedLayerFactory(DenseWeightLayers.Pruned(dense, masks), new Rng(4), SparseLayerKind.Csr));
        var convs = sparse.LayersOf<SparseConv2d>();
        Assert.NotEmpty(convs);
        foreach (var (path, conv) in convs)
        {
            int l = Array.FindIndex(layers, d => d.Path == path);
            Assert.Equal(masks[l].Nnz, conv.Topology.Nnz);
            for (int p = 0; p < conv.Topology.Nnz; p++)
                Assert.Equal(layers[l].Weight.Data[(int)conv.Topology.LinearIndexOf(p)], conv.Values.Data[p]); // the scored initial weights
        }
        Assert.True(float.IsFinite(Train(sparse, 1)));
    }

    [Theory]
    [InlineData(PruningCriterion.Snip)]
    [InlineData(PruningCriterion.Grasp)]
    [InlineData(PruningCriterion.SynFlow)]
    public void GlobalCriteria_KeepTheDenseFirstAndLastLayersWholeAndOutsideTheBudget(PruningCriterion criterion)
    {
        var dense = Build(new DenseLayerFactory(new Rng(1)));
        var layers = DenseWeightLayers.Of(dense);
        int last = layers.Length - 1;
        var (x, labels) = Batch();
        double density = 0.1;
        var densities = layers.Select((_, l) => l == 0 || l == last ? 1.0 : density).ToArray();
        var masks = PruneAtInit.Masks(dense, criterion, density, densities, x, labels, new Rng(2), new HashSet<int> { 0, last });
        Assert.Equal(layers[0].Weight.Size, masks[0].Nnz);
        Assert.Equal(layers[last].Weight.Size, masks[last].Nnz);
        long ranked = layers[1..last].Sum(l => (long)l.Weight.Size);
        Assert.Equal((long)Math.Round(density * ranked), masks[1..last].Sum(m => (long)m.Nnz));
        foreach (var m in masks) m.CheckInvariants();
    }

    [Fact]
    public void SynFlow_IsDeterministicAndKeepsEveryLayerAlive()
    {
        var densities = Enumerable.Repeat(0.1, DenseWeightLayers.Of(Build(new DenseLayerFactory(new Rng(1)))).Length).ToArray();
        var a = PruneAtInit.Masks(Build(new DenseLayerFactory(new Rng(1))), PruningCriterion.SynFlow, 0.1, densities, null, null, new Rng(2));
        var b = PruneAtInit.Masks(Build(new DenseLayerFactory(new Rng(1))), PruningCriterion.SynFlow, 0.1, densities, null, null, new Rng(9));
        Assert.Equal(a.Select(Keys), b.Select(Keys));
        Assert.All(a, m => Assert.True(m.Nnz > 0, "SynFlow avoids layer collapse"));
    }

    [Fact]
    public void Gmp_PrunesConvLayersOnScheduleAndExportsASparseResNet()
    {
        var dense = Build(new DenseLayerFactory(new Rng(1)));
        var gmp = new GradualMagnitudePruner(dense, new GmpSchedule(0, 0.8, startStep: 1, every: 1, rounds: 3));
        var opt = new Sgd(dense.NamedParameters(), 0.01f, momentum: 0.9f);
        var tape = new Tape();
        var (x, labels) = Batch();
        for (int step = 1; step <= 5; step++)
        {
            dense.ZeroGrad();
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(dense.Forward(x), labels, 8);
            tape.Backward(loss);
            opt.Step();
            tape.Reset();
            gmp.AfterOptimizerStep(step);
        }
        var layers = DenseWeightLayers.Of(dense);
        for (int l = 0; l < layers.Length; l++)
        {
            Assert.Equal(0.8, gmp.SparsityOf(l), 2);
            Assert.InRange(layers[l].Weight.ToArray().Count(v => v != 0f), 1, (int)Math.Ceiling(0.2 * layers[l].Weight.Size) + 1);
        }
        var sparse = gmp.ToSparse(Build, SparseLayerKind.Csr, new Rng(3));
        Assert.Equal(dense.LayersOf<Conv2d>().Length, sparse.LayersOf<SparseConv2d>().Length);
        Assert.True(float.IsFinite(Train(sparse, 1)));
    }

    [Fact]
    public void Imp_RewindsConvLayersToTheirInitialWeights()
    {
        var initial = Build(new DenseLayerFactory(new Rng(1)));
        var theta0 = DenseWeightLayers.Of(initial).ToDictionary(l => l.Path, l => l.Weight.ToArray());
        var densities = new List<double>();
        var rounds = IterativeMagnitudePruning.Run(initial, Build, 0.25, 2, SparseLayerKind.Csr, (model, r) =>
        {
            foreach (var (path, conv) in model.LayersOf<SparseConv2d>())
                for (int p = 0; p < conv.Topology.Nnz; p++)
                    Assert.Equal(theta0[path][(int)conv.Topology.LinearIndexOf(p)], conv.Values.Data[p]); // rewound to θ0
            densities.Add(model.LayersOf<ISparseLayer>().Sum(l => (double)l.Layer.Topology.Nnz));
            return Train(model, 2);
        }, new Rng(5));
        Assert.Equal(3, rounds.Count);
        Assert.Equal(1.0, rounds[0].Density, 6);
        Assert.Equal(0.5, rounds[1].Density, 2);
        Assert.Equal(0.25, rounds[2].Density, 2);
    }

    private static float Train(Module model, int steps)
    {
        var opt = new Sgd(model.NamedParameters(), 0.01f, momentum: 0.9f);
        var tape = new Tape();
        var (x, labels) = Batch(11);
        float last = 0;
        for (int s = 0; s < steps; s++)
        {
            model.ZeroGrad();
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, 8);
            tape.Backward(loss);
            opt.Step();
            last = loss[0];
            tape.Reset();
        }
        return last;
    }

    private static long[] Keys(CsrMatrix m) => Enumerable.Range(0, m.Nnz).Select(m.LinearIndexOf).ToArray();
}
