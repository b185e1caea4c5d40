// Transpose: blocked fast path against the scalar reference (bit-exact) over odd and tile-crossing shapes, and the
// multi-threaded path for large shapes at several thread counts.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

[Collection(ThreadsCollection.Name)]
public sealed class TransposeTests
{
    [Fact]
    public void MatchesScalar()
    {
        int[] sizes = [0, 1, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 129, 257];
        foreach (int rows in sizes)
            foreach (int cols in sizes)
                AssertMatchesScalar(rows, cols);
    }

    [Fact]
    public void LargeShapesSplitOverThreadsMatchScalar()
    {
        // From 65,536 elements the tiles are shared among threads; every tile size (wide, tall, wide with 256+ rows).
        (int Rows, int Cols)[] shapes = [(257, 301), (301, 257), (128, 785), (785, 129), (260, 1031), (4099, 17)];
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                foreach (var (rows, cols) in shapes) AssertMatchesScalar(rows, cols);
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    private static void AssertMatchesScalar(int rows, int cols)
    {
        var src = Shapes.Random(rows * cols, (ulong)(rows * 1000 + cols));
        var expected = new float[rows * cols];
        var actual = Shapes.Random(rows * cols, 3); // garbage: every element must be overwritten
        Transpose.Scalar.Matrix(src, expected, rows, cols);
        Transpose.Matrix(src, actual, rows, cols);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void RejectsShortSpans() =>
        Assert.Throws<ArgumentException>(() => Transpose.Matrix(new float[6], new float[5], 2, 3));
}
