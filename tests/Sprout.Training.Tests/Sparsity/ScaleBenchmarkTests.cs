// The scale benchmark's model: fixed fan-in per neuron, ReLUs fused, feature-major between its sparse layers, no batch
// caches (nothing reads them there), and a training step on it that allocates nothing once warm.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class ScaleBenchmarkTests
{
    [Fact]
    public void ModelIsAFusedFeatureMajorChainAtFixedFanIn()
    {
        var model = ScaleBenchmark.Build(inputs: 30, width: 50, classes: 4, fanIn: 6, new Rng(1));
        var sparse = model.Layers.OfType<SparseLinear>().ToArray();
        Assert.Equal(["1", "3", "5"], sparse.Select(l => l.LayerName));
        Assert.All(model.Layers.Where((_, i) => i is 2 or 4), m => Assert.IsType<FusedRelu>(m));
        Assert.Equal(new SparseLinearOptions(Layout.FeatureMajor, SparseEpilogue.Relu), sparse[0].Options);
        Assert.Equal(new SparseLinearOptions(Layout.FeatureMajor, SparseEpilogue.Relu), sparse[1].Options);
        Assert.Equal(new SparseLinearOptions(Layout.BatchMajor, SparseEpilogue.None), sparse[2].Options);
        foreach (var l in sparse)
        {
            Assert.False(l.CachesBatch);
            for (int r = 0; r < l.OutFeatures; r++) Assert.Equal(6, l.Topology.RowPointers[r + 1] - l.Topology.RowPointers[r]);
        }
    }

    [Fact]
    public void StepAllocatesNothingOnceWarm()
    {
        var model = ScaleBenchmark.Build(inputs: 30, width: 50, classes: 4, fanIn: 6, new Rng(1));
        var opt = new Sprout.Nn.Optim.Sgd(model.NamedParameters(), 0.01f, momentum: 0.9f);
        var x = new Tensor(16, 30);
        new Rng(2).FillUniform(x.Data, 0f, 1f);
        var labels = Enumerable.Range(0, 16).Select(i => i % 4).ToArray();
        var tape = new Tape();
        float first = 0, last = 0;
        for (int s = 0; s < 30; s++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, 16);
            tape.Backward(loss);
            opt.Step();
            opt.ZeroGrad();
            (first, last) = (s == 0 ? loss[0] : first, loss[0]);
            tape.Reset();
            if (s >= 2) Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
        Assert.True(last < first, $"training on one batch should lower its loss ({first} → {last})");
    }
}
