// FlopCounter counts whatever layers report their own multiply-adds (ICountsMultiplyAdds), not a fixed list of
// layer types: a custom layer is counted, its executed cost is read again at every step, and a model with nothing
// to count is still rejected.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class FlopCounterTests
{
    /// <summary>A layer FlopCounter has never heard of, with costs set by the test.</summary>
    private sealed class CustomCostLayer(long dense, long executed) : Module, ICountsMultiplyAdds
    {
        public long DenseMacsPerSample => dense;

        public long ExecutedMacsPerSample { get; set; } = executed;

        public override Tensor Forward(Tensor input) => input;
    }

    [Fact]
    public void CountsACustomLayerThatReportsItsMultiplyAdds()
    {
        var custom = new CustomCostLayer(dense: 1000, executed: 100);
        var counter = new FlopCounter(new Sequential(new Linear(20, 30, new Rng(1)), new Relu(), custom));
        long linear = 3 * 20 * 30;
        Assert.Equal(linear + 1000, counter.DenseMacsPerSample);

        counter.AddStep(8);
        Assert.Equal((linear + 100) * 8.0, counter.ExecutedMacs);
        Assert.Equal((linear + 1000) * 8.0, counter.DenseMacs);

        custom.ExecutedMacsPerSample = 250; // e.g. a topology update moved budget into the layer
        counter.AddStep(4);
        Assert.Equal((linear + 100) * 8.0 + (linear + 250) * 4.0, counter.ExecutedMacs);
    }

    [Fact]
    public void CountsAModelMadeOnlyOfCustomLayers()
    {
        var counter = new FlopCounter(new Sequential(new Flatten(), new CustomCostLayer(dense: 40, executed: 10)));
        counter.AddStep(2);
        Assert.Equal(0.25, counter.RelativeToDense);
    }

    [Fact]
    public void RejectsAModelWithNothingToCount()
    {
        var e = Assert.Throws<ArgumentException>(() => new FlopCounter(new Sequential(new Flatten(), new Relu())));
        Assert.Equal("model", e.ParamName);
    }

    [Fact]
    public void AddStepAllocatesNothing()
    {
        var counter = new FlopCounter(new Sequential(new Linear(20, 30, new Rng(1)), new CustomCostLayer(1000, 100)));
        counter.AddStep(8); // JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) counter.AddStep(8);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
