// Conv layers through the factories: a ResNet built with each factory gets the conv layer kind it asks for at
// every module path (nested blocks included), the planned densities, and runs forward and backward.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Factories;

public class ConvFactoryTests
{
    private static ConvNet ResNet8(ILayerFactory f) => ConvModels.Build("resnet8", f, 3, 8, 8, 10);

    [Theory]
    [InlineData(SparseLayerKind.Csr, typeof(SparseConv2d))]
    [InlineData(SparseLayerKind.Masked, typeof(MaskedConv2d))]
    public void SparseFactory_BuildsEveryConvAtItsPlannedDensity(SparseLayerKind kind, Type convType)
    {
        var shapes = RecordingLayerFactory.Record(ResNet8);
        var densities = shapes.Select(s => s.Name == "conv1" ? 1.0 : 0.3).ToArray(); // a dense stem
        var plan = new DensityPlan(shapes, densities);
        var net = ResNet8(new SparseLayerFactory(plan, new Rng(1), kind));
        Assert.IsType<Conv2d>(net.LayersOf<Module>().Single(l => l.Path == "conv1").Layer);
        var sparse = net.LayersOf<ISparseLayer>();
        Assert.Equal(shapes.Count - 1, sparse.Length); // all but the dense stem (the head "fc" is a SparseLinear)
        foreach (var (path, layer) in sparse)
        {
            Assert.Equal(path, layer.LayerName);
            if (path == "fc") continue;
            Assert.IsType(convType, layer);
            Assert.True(layer.Geometry.IsConv);
            Assert.Equal(0.3, layer.Topology.Density, 2);
        }
        Run(net);
    }

    [Fact]
    public void PrunedFactory_BuildsConvsFromGivenTopologiesAndWeights()
    {
        var dense = ResNet8(new DenseLayerFactory(new Rng(1)));
        var convs = dense.LayersOf<Conv2d>();
        var given = new Dictionary<string, PrunedLayer>();
        foreach (var (path, conv) in convs)
        {
            var topo = CsrMatrix.RandomWithDensity(conv.Shape.OutChannels, conv.Shape.FanIn, 0.2, new Rng(3));
            for (int p = 0; p < topo.Nnz; p++) topo.Values[p] = conv.Weight.Data[(int)topo.LinearIndexOf(p)];
            given[path] = new PrunedLayer(topo, null);
        }
        foreach (var kind in new[] { SparseLayerKind.Csr, SparseLayerKind.Masked })
        {
            var net = ResNet8(new PrunedLayerFactory(given, new Rng(2), kind, new DenseLayerFactory(new Rng(2))));
            foreach (var (path, layer) in net.LayersOf<ISparseLayer>())
            {
                var weights = new float[layer.Topology.Nnz];
                layer.ReadActiveWeights(weights);
                Approx.Equal(given[path].Topology.Values.AsSpan(0, given[path].Topology.Nnz), weights, 0, 0, path);
            }
            Assert.Equal(convs.Length, net.LayersOf<ISparseLayer>().Length);
            Run(net);
        }
    }

    private static void Run(ConvNet net)
    {
        var x = GradCheck.RandomTensor(7, 2, 3 * 8 * 8);
        var tape = new Tape();
        Tensor loss;
        using (tape.Record()) loss = GradCheck.WeightedSum(net.Forward(x), 3);
        tape.Backward(loss);
        Assert.True(float.IsFinite(loss.Data[0]));
        Assert.Contains(net.Parameters(), p => p.Grad.ToArray().Any(g => g != 0));
        tape.Reset();
    }
}
