// Bias: row-broadcast add and its column-sum backward against the scalar reference (bit-exact).
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class BiasTests
{
    private static readonly int[] Rows = [0, 1, 3, 17, 100];

    [Fact]
    public void AddRowsMatchesScalar()
    {
        foreach (int rows in Rows)
            foreach (int cols in Shapes.Lengths().Where(c => c < 300))
            {
                var y0 = Shapes.Random(rows * cols, (ulong)(rows * 1000 + cols));
                var bias = Shapes.Random(cols, (ulong)cols);
                var expected = (float[])y0.Clone();
                var actual = (float[])y0.Clone();
                Bias.Scalar.AddRows(expected, bias, rows, cols);
                Bias.AddRows(actual, bias, rows, cols);
                Assert.Equal(expected, actual);
            }
    }

    [Fact]
    public void AddRowsBackwardAccumulatesLikeScalar()
    {
        foreach (int rows in Rows)
            foreach (int cols in Shapes.Lengths().Where(c => c < 300))
            {
                var dy = Shapes.Random(rows * cols, (ulong)(rows * 1000 + cols));
                var db0 = Shapes.Random(cols, (ulong)cols + 7);
                var expected = (float[])db0.Clone();
                var actual = (float[])db0.Clone();
                Bias.Scalar.AddRowsBackward(dy, expected, rows, cols);
                Bias.AddRowsBackward(dy, actual, rows, cols);
                Assert.Equal(expected, actual);
            }
    }

    [Fact]
    public void RejectsShortSpans()
    {
        Assert.Throws<ArgumentException>(() => Bias.AddRows(new float[5], new float[3], 2, 3));
        Assert.Throws<ArgumentException>(() => Bias.AddRowsBackward(new float[6], new float[2], 2, 3));
    }
}
