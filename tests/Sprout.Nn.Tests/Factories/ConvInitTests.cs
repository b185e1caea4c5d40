// ConvInit: the scheme a model builder picks reaches every kind of conv layer with the right scale. LeNet-5 keeps
// PyTorch's default (its SGD-0.1 recipe diverges under He's init); the ResNets keep He's normal init.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Nn.Tests.Factories;

public sealed class ConvInitTests
{
    private static readonly ConvShape Shape = new(20, 50, 5, 5); // fan-in 500, 25,000 weights

    private static double Variance(ReadOnlySpan<float> v)
    {
        double sum = 0, sq = 0;
        foreach (float x in v) { sum += x; sq += (double)x * x; }
        double mean = sum / v.Length;
        return sq / v.Length - mean * mean;
    }

    [Fact]
    public void TorchDefaultIsUniformWithinOneOverSqrtFanIn()
    {
        var conv = new Conv2d(Shape, new Rng(1), bias: true, ConvInit.TorchDefault);
        float bound = 1f / MathF.Sqrt(Shape.FanIn);
        Assert.All(conv.Weight.Data.ToArray(), w => Assert.InRange(w, -bound, bound));
        Assert.Equal(1.0 / (3 * Shape.FanIn), Variance(conv.Weight.Data), 1.0 / (3 * Shape.FanIn) * 0.05);
    }

    [Fact]
    public void HeNormalKeepsVarianceTwoOverFanIn()
    {
        var conv = new Conv2d(Shape, new Rng(1));
        Assert.Equal(2.0 / Shape.FanIn, Variance(conv.Weight.Data), 2.0 / Shape.FanIn * 0.05);
        Assert.Contains(conv.Weight.Data.ToArray(), w => MathF.Abs(w) > 1f / MathF.Sqrt(Shape.FanIn)); // not the uniform one
    }

    [Theory]
    [InlineData(ConvInit.HeNormal)]
    [InlineData(ConvInit.TorchDefault)]
    public void SparseLayersScaleTheSchemeByEachChannelsLiveFanIn(ConvInit init)
    {
        var csr = new SparseConv2d(Shape, 0.1, new Rng(2), init: SparseInitMode.FanInAware, convInit: init);
        var masked = new MaskedConv2d(Shape, 0.1, new Rng(2), init: SparseInitMode.FanInAware, convInit: init);
        var topo = csr.Topology;
        for (int r = 0; r < topo.Rows; r++)
        {
            int live = topo.RowPointers[r + 1] - topo.RowPointers[r];
            if (live == 0) continue;
            float bound = init.Gain() * MathF.Sqrt(3f / live) * (1 + 1e-6f);
            for (int p = topo.RowPointers[r]; p < topo.RowPointers[r + 1]; p++)
                Assert.InRange(csr.Values.Data[p], -bound, bound);
        }
        // The masked layer draws the same live values from the same stream.
        for (int p = 0; p < topo.Nnz; p++)
            Assert.Equal(csr.Values.Data[p], masked.Weight.Data[(int)topo.LinearIndexOf(p)]);
        double meanVariance = init.Gain() * init.Gain() / (0.1 * Shape.FanIn);
        Assert.Equal(meanVariance, Variance(csr.Values.Data), meanVariance * 0.15);
    }

    [Theory]
    [InlineData(ConvInit.HeNormal)]
    [InlineData(ConvInit.TorchDefault)]
    public void DenseFanInKeepsTheDenseLayersVarianceOnTheLiveWeights(ConvInit init)
    {
        var csr = new SparseConv2d(Shape, 0.1, new Rng(2), init: SparseInitMode.DenseFanIn, convInit: init);
        var masked = new MaskedConv2d(Shape, 0.1, new Rng(2), init: SparseInitMode.DenseFanIn, convInit: init);
        float bound = init.Gain() * MathF.Sqrt(3f / Shape.FanIn) * (1 + 1e-6f);
        Assert.All(csr.Values.Data.ToArray(), w => Assert.InRange(w, -bound, bound));
        var topo = csr.Topology;
        for (int p = 0; p < topo.Nnz; p++)
            Assert.Equal(csr.Values.Data[p], masked.Weight.Data[(int)topo.LinearIndexOf(p)]);
        double denseVariance = init.Gain() * init.Gain() / Shape.FanIn; // a dense layer's, as if the mask came after
        Assert.Equal(denseVariance, Variance(csr.Values.Data), denseVariance * 0.05);
    }

    [Fact]
    public void LeNet5AsksForTorchDefaultAndResNetForHeNormal()
    {
        var requests = new List<(string Path, ConvInit Init)>();
        var recorder = new InitRecorder(requests);
        ConvModels.Build("lenet5", recorder, 1, 28, 28, 10);
        Assert.Equal([("conv1", ConvInit.TorchDefault), ("conv2", ConvInit.TorchDefault)], requests);
        requests.Clear();
        ConvModels.Build("resnet20", recorder, 3, 32, 32, 10);
        Assert.All(requests, r => Assert.Equal(ConvInit.HeNormal, r.Init));
        Assert.Equal(21, requests.Count);
    }

    [Fact]
    public void AnUndefinedSchemeIsRefusedAtTheFactory()
    {
        var factory = new DenseLayerFactory(new Rng(3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => factory.Conv2d("conv1", Shape, init: (ConvInit)7));
        Assert.Contains("conv1", e.Message);
    }

    private sealed class InitRecorder(List<(string, ConvInit)> requests) : LayerFactory
    {
        private readonly DenseLayerFactory _inner = new(new Rng(4));

        protected override Module CreateLinear(string path, int inFeatures, int outFeatures, bool bias) => _inner.Linear(path, inFeatures, outFeatures, bias);

        protected override Module CreateConv2d(string path, ConvShape shape, bool bias, ConvInit init)
        {
            requests.Add((path, init));
            return _inner.Conv2d(path, shape, bias, init);
        }
    }
}
