// Optimizer updates: bit-identical to the scalar reference over several steps, and allocation-free.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class OptimizerUpdatesTests
{
    [Theory]
    [InlineData(0f, 0f, false)]
    [InlineData(0f, 1e-2f, false)]
    [InlineData(0.9f, 0f, false)]
    [InlineData(0.9f, 5e-4f, false)]
    [InlineData(0.9f, 5e-4f, true)]
    public void SgdMatchesScalarExactly(float momentum, float weightDecay, bool nesterov)
    {
        foreach (int n in Shapes.Lengths())
        {
            var w1 = Shapes.Random(n, (ulong)n);
            var v1 = Shapes.Random(n, (ulong)n + 1, -0.1f, 0.1f);
            var w2 = (float[])w1.Clone();
            var v2 = (float[])v1.Clone();
            for (int step = 0; step < 3; step++)
            {
                var g = Shapes.Random(n, (ulong)(n * 10 + step));
                OptimizerUpdates.Scalar.Sgd(w1, g, v1, 0.05f, momentum, weightDecay, nesterov);
                OptimizerUpdates.Sgd(w2, g, v2, 0.05f, momentum, weightDecay, nesterov);
            }
            Assert.Equal(w1, w2);
            Assert.Equal(v1, v2);
        }
    }

    [Theory]
    [InlineData(false, 0f)]
    [InlineData(false, 1e-2f)]
    [InlineData(true, 1e-2f)]
    public void AdamMatchesScalarExactly(bool decoupled, float weightDecay)
    {
        foreach (int n in Shapes.Lengths())
        {
            var w1 = Shapes.Random(n, (ulong)n);
            var m1 = new float[n];
            var v1 = new float[n];
            var w2 = (float[])w1.Clone();
            var m2 = new float[n];
            var v2 = new float[n];
            for (int step = 1; step <= 3; step++)
            {
                var g = Shapes.Random(n, (ulong)(n * 10 + step));
                OptimizerUpdates.Scalar.Adam(w1, g, m1, v1, 1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled, step);
                OptimizerUpdates.Adam(w2, g, m2, v2, 1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled, step);
            }
            Assert.Equal(w1, w2);
            Assert.Equal(m1, m2);
            Assert.Equal(v1, v2);
        }
    }

    [Fact]
    public void RejectsShortStateAndBadStep()
    {
        Assert.Throws<ArgumentException>(() => OptimizerUpdates.Sgd(new float[4], new float[3], new float[4], 0.1f, 0.9f, 0, false));
        Assert.Throws<ArgumentException>(() => OptimizerUpdates.Sgd(new float[4], new float[4], new float[3], 0.1f, 0.9f, 0, false));
        Assert.Throws<ArgumentException>(() => OptimizerUpdates.Adam(new float[4], new float[4], new float[4], new float[3], 1e-3f, 0.9f, 0.999f, 1e-8f, 0, false, 1));
        Assert.Throws<ArgumentException>(() => OptimizerUpdates.Adam(new float[4], new float[4], new float[4], new float[4], 1e-3f, 0.9f, 0.999f, 1e-8f, 0, false, 0));
    }

    [Fact]
    public void UpdatesAllocateNothingInSteadyState()
    {
        const int n = 10_007;
        var w = Shapes.Random(n, 1);
        var g = Shapes.Random(n, 2);
        var s1 = new float[n];
        var s2 = new float[n];
        OptimizerUpdates.Sgd(w, g, s1, 0.01f, 0.9f, 1e-4f, true);
        OptimizerUpdates.Adam(w, g, s1, s2, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, 1);
        int step = 1;
        Assert.Equal(0, Allocations.OnceSettled(() =>
        {
            step++;
            OptimizerUpdates.Sgd(w, g, s1, 0.01f, 0.9f, 1e-4f, step % 2 == 0);
            OptimizerUpdates.Sgd(w, g, s1, 0.01f, 0f, 0f, false);
            OptimizerUpdates.Adam(w, g, s1, s2, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, step % 2 == 0, step);
        }, calls: 8));
    }
}
