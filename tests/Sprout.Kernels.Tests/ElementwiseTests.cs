// Elementwise wrappers: accumulate-vs-overwrite contract against the scalar reference.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class ElementwiseTests
{
    [Fact]
    public void MatchScalar()
    {
        foreach (int n in Shapes.Lengths())
        {
            var x = Shapes.Random(n, (ulong)n);
            var y = Shapes.Random(n, (ulong)n + 1);
            var d0 = Shapes.Random(n, (ulong)n + 2);
            Same(d0, d => Elementwise.Scalar.Add(x, y, d), d => Elementwise.Add(x, y, d));
            Same(d0, d => Elementwise.Scalar.Accumulate(x, d), d => Elementwise.Accumulate(x, d));
            Same(d0, d => Elementwise.Scalar.Multiply(x, y, d), d => Elementwise.Multiply(x, y, d));
            Same(d0, d => Elementwise.Scalar.MultiplyAccumulate(x, y, d), d => Elementwise.MultiplyAccumulate(x, y, d));
            Same(d0, d => Elementwise.Scalar.Scale(x, 0.37f, d), d => Elementwise.Scale(x, 0.37f, d));
            Same(d0, d => Elementwise.Scalar.Axpy(-1.5f, x, d), d => Elementwise.Axpy(-1.5f, x, d));
        }
    }

    private static void Same(float[] d0, Action<float[]> reference, Action<float[]> fast)
    {
        var expected = (float[])d0.Clone();
        var actual = (float[])d0.Clone();
        reference(expected);
        fast(actual);
        Approx.Equal(expected, actual, 1e-6f, 1e-6f);
    }

    [Fact]
    public void ShortDestinationThrows()
    {
        Assert.Throws<ArgumentException>(() => Elementwise.Accumulate(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => Elementwise.Axpy(1f, new float[4], new float[3]));
    }
}
