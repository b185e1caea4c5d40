// Layer factories: each factory builds the layer kind it promises at the path and density asked for, the recording
// factory sees every layer (conv kernel dims included) without allocating weights, a plan built from it drives ERK
// with kernel dims and the dense first/last options, and conv requests fail with a clear message until conv layers exist.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;

namespace Sprout.Nn.Tests.Factories;

public class LayerFactoryTests
{
    [Fact]
    public void DenseFactory_GivesTheSameWeightsAsTheRngOverload()
    {
        var a = Models.Mlp(12, [7], 3, new Rng(5));
        var b = Models.Mlp(12, [7], 3, new DenseLayerFactory(new Rng(5)));
        Assert.Equal(a.NamedParameters().Select(p => p.Name), b.NamedParameters().Select(p => p.Name));
        for (int i = 0; i < a.NamedParameters().Count; i++)
            Assert.Equal(a.NamedParameters()[i].Tensor.ToArray(), b.NamedParameters()[i].Tensor.ToArray());
    }

    [Fact]
    public void Recording_SeesEveryLayerByPath_AndBuildsNoWeights()
    {
        var recorder = new RecordingLayerFactory();
        var model = Models.Mlp(784, [300, 100], 10, recorder);
        Assert.Equal([new LayerShape("1", 300, 784), new LayerShape("3", 100, 300), new LayerShape("5", 10, 100)], recorder.Shapes);
        Assert.Empty(model.NamedParameters());
        var ex = Assert.Throws<InvalidOperationException>(() => model.Forward(new Tensor(2, 784)));
        Assert.Contains("'1'", ex.Message);
    }

    [Fact]
    public void Recording_KeepsConvKernelDims_ForErk()
    {
        var conv = new ConvShape(16, 32, 3, 3, Stride: 2, Padding: 1);
        var recorder = new RecordingLayerFactory();
        recorder.Conv2d("stem", new ConvShape(3, 16, 3, 3, Padding: 1));
        recorder.Conv2d("layer1.conv", conv);
        recorder.Linear("fc", 32, 10);
        Assert.Equal(new LayerShape("layer1.conv", 32, 16, 3, 3), recorder.Shapes[1]);
        Assert.Equal(conv, recorder.ConvShapes["layer1.conv"]);
        var plan = DensityPlan.Allocate(recorder.Shapes, new DensityAllocationOptions(0.1) { DenseFirstLayer = true });
        Assert.Equal(1.0, plan.DensityOf("stem"));
        // ERK: the 3×3 conv's raw probability (Cin + Cout + kh + kw)/(Cin·Cout·kh·kw) is far below the small head's.
        double q(LayerShape s) => DensityAllocation.RawProbability(s, DensityDistribution.ErdosRenyiKernel);
        Assert.Equal(q(recorder.Shapes[1]) / q(recorder.Shapes[2]), plan.DensityOf("layer1.conv") / plan.DensityOf("fc"), 9);
    }

    [Fact]
    public void SparseFactory_BuildsTheKindAtThePlannedDensity_DenseAtOne()
    {
        var shapes = RecordingLayerFactory.Record(f => Models.Mlp(40, [30], 5, f));
        var plan = new DensityPlan(shapes, [0.25, 1.0]);
        var csr = Models.Mlp(40, [30], 5, new SparseLayerFactory(plan, new Rng(1)));
        var s = Assert.IsType<SparseLinear>(csr.Layers[1]);
        Assert.Equal((int)Math.Round(0.25 * 30 * 40), s.Topology.Nnz);
        Assert.Equal("1", s.LayerName);
        Assert.IsType<Linear>(csr.Layers[3]);
        var masked = Models.Mlp(40, [30], 5, new SparseLayerFactory(plan, new Rng(1), SparseLayerKind.Masked));
        var m = Assert.IsType<MaskedLinear>(masked.Layers[1]);
        Assert.Equal(s.Topology.Nnz, m.Topology.Nnz);
        Assert.Equal("1", m.LayerName);
    }

    [Fact]
    public void SparseModelsBuild_RecordsAllocatesAndBuilds()
    {
        var model = SparseModels.Build(f => Models.Mlp(64, [32, 16], 10, f), new DensityAllocationOptions(0.2, DensityDistribution.ErdosRenyi) { DenseLastLayer = true }, new Rng(3));
        var layers = model.SparseLayers();
        Assert.Equal(["1", "3"], layers.Select(l => l.LayerName));
        Assert.IsType<Linear>(model.Layers[5]);
        long nnz = layers.Sum(l => (long)l.Topology.Nnz);
        Assert.Equal(0.2 * (64 * 32 + 32 * 16), nnz, 0.01 * (64 * 32 + 32 * 16));
    }

    [Fact]
    public void TopKastFactory_GivesTopKastLayersAtPlannedDensities()
    {
        var shapes = RecordingLayerFactory.Record(f => Models.Mlp(20, [10], 4, f));
        var plan = new DensityPlan(shapes, [0.2, 0.5]);
        var model = Models.Mlp(20, [10], 4, new TopKastLayerFactory(plan, new Rng(2), new TopKastOptions(BackwardExtra: 0.1)));
        var t = Assert.IsType<TopKastLinear>(model.Layers[1]);
        Assert.Equal(40, t.ForwardCount);
        Assert.Equal(60, t.BackwardCount);
        Assert.Equal(0.5, Assert.IsType<TopKastLinear>(model.Layers[3]).ForwardDensity);
    }

    [Fact]
    public void UnknownPath_AndConv_AreRejectedWithAClearMessage()
    {
        var plan = new DensityPlan([new LayerShape("fc", 4, 8)], [0.5]);
        var factory = new SparseLayerFactory(plan, new Rng(1));
        Assert.Contains("'other'", Assert.Throws<ArgumentException>(() => factory.Linear("other", 8, 4)).Message);
        Assert.Contains("'conv1'", Assert.Throws<ArgumentException>(() => factory.Conv2d("conv1", new ConvShape(3, 8, 3, 3))).Message);
        Assert.Contains("'conv1'", Assert.Throws<ArgumentException>(() =>
            new PrunedLayerFactory(new Dictionary<string, PrunedLayer>(), new Rng(1), SparseLayerKind.Csr).Conv2d("conv1", new ConvShape(3, 8, 3, 3))).Message);
        Assert.IsType<Conv2d>(new DenseLayerFactory(new Rng(1)).Conv2d("conv1", new ConvShape(3, 8, 3, 3)));
        Assert.Throws<ArgumentException>(() => new DenseLayerFactory(new Rng(1)).Conv2d("conv1", new ConvShape(3, 0, 3, 3)));
        Assert.Throws<ArgumentException>(() => new DenseLayerFactory(new Rng(1)).Linear("fc", 0, 4));
        Assert.Throws<ArgumentException>(() => new DensityPlan([new LayerShape("a", 2, 2), new LayerShape("a", 2, 2)], [0.5, 0.5]));
    }

    [Fact]
    public void PrunedFactory_UsesTheGivenTopologyWeightsAndBias()
    {
        var topo = CsrMatrix.FromEntries(3, 4, [0, 1, 2], [1, 3, 0]);
        topo.Values[0] = 1f; topo.Values[1] = 2f; topo.Values[2] = 3f;
        var given = new Dictionary<string, PrunedLayer> { ["fc"] = new(topo, [7f, 8f, 9f]) };
        var csr = Assert.IsType<SparseLinear>(new PrunedLayerFactory(given, new Rng(1), SparseLayerKind.Csr).Linear("fc", 4, 3));
        Assert.Equal([1f, 2f, 3f], csr.Values.ToArray());
        Assert.Equal([7f, 8f, 9f], csr.Bias!.ToArray());
        var masked = Assert.IsType<MaskedLinear>(new PrunedLayerFactory(given, new Rng(1), SparseLayerKind.Masked).Linear("fc", 4, 3));
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 0f, 0f, 2f, 3f, 0f, 0f, 0f], masked.Weight.ToArray());
        Assert.Throws<ArgumentException>(() => new PrunedLayerFactory(given, new Rng(1), SparseLayerKind.Csr).Linear("fc", 5, 3));
        var dense = new PrunedLayerFactory(given, new Rng(1), SparseLayerKind.Csr, fallback: new DenseLayerFactory(new Rng(2))).Linear("head", 3, 2);
        Assert.IsType<Linear>(dense);
    }
}
