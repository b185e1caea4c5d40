// Each weight layer describes itself (kind, geometry, nnz, multiply-adds), which tables and FLOP counts read
// instead of switching over layer types; counts for an input shape scale with the samples in it.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Nn.Tests;

public class DescribeTests
{
    [Fact]
    public void EveryLinearKind_DescribesItself()
    {
        var rng = new Rng(1);
        IDescribedLayer[] layers =
        [
            new Linear(20, 10, rng),
            new SparseLinear(20, 10, 0.25, rng),
            new MaskedLinear(20, 10, 0.25, rng),
            new TopKastLinear(20, 10, 0.25, 0.25, rng),
        ];
        Assert.Equal(["dense", "csr", "masked", "topkast"], layers.Select(l => l.Describe().Kind));
        Assert.All(layers, l => Assert.Equal(LayerGeometry.Linear(10, 20), l.Describe().Geometry));
        Assert.Equal([200L, 50, 50, 50], layers.Select(l => l.Describe().Nnz));
        var csr = layers[1].Describe();
        Assert.Equal(0.25, csr.Density);
        Assert.Equal(3L * 200 * 32, csr.DenseMultiplyAdds([32, 20]));
        Assert.Equal(3L * 50 * 32, csr.ExecutedMultiplyAdds([20, 32])); // either layout
        Assert.Equal(((ICountsMultiplyAdds)layers[3]).ExecutedMacsPerSample * 8, layers[3].Describe().ExecutedMultiplyAdds([8, 20]));
    }

    [Fact]
    public void EmptyWeightLayers_NamesEveryLayerWithoutALiveWeight()
    {
        var rng = new Rng(2);
        var empty = CsrMatrix.FromEntries(10, 20, [], []);
        var net = new Sequential(new SparseLinear(20, 20, 0.25, rng), new Relu(), new Sequential(new SparseLinear(empty, rng)), new Linear(10, 3, rng));
        Assert.Equal(["2.0"], net.EmptyWeightLayers());
        Assert.Empty(new Sequential(new SparseLinear(20, 10, 0.25, rng)).EmptyWeightLayers());
    }
}
