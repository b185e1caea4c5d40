// Transpose: blocked fast path against the scalar reference (bit-exact) over odd and tile-crossing shapes.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class TransposeTests
{
    [Fact]
    public void MatchesScalar()
    {
        int[] sizes = [0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 129, 257];
        foreach (int rows in sizes)
            foreach (int cols in sizes)
            {
                var src = Shapes.Random(rows * cols, (ulong)(rows * 1000 + cols));
                var expected = new float[rows * cols];
                var actual = Shapes.Random(rows * cols, 3);
                Transpose.Scalar.Matrix(src, expected, rows, cols);
                Transpose.Matrix(src, actual, rows, cols);
                Assert.Equal(expected, actual);
            }
    }

    [Fact]
    public void RejectsShortSpans() =>
        Assert.Throws<ArgumentException>(() => Transpose.Matrix(new float[6], new float[5], 2, 3));
}
