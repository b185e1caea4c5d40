// Batched GEMM against the scalar reference on odd shapes in all four transpose forms, with and without
// accumulation; attention-like shapes that take the batch-parallel path; thread-count independence.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

public sealed class BatchedGemmTests
{
    public static TheoryData<bool, bool> Forms() => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesScalarOnOddShapes(bool transA, bool transB)
    {
        ulong seed = 1;
        foreach (var (batch, m, n, k) in new[] { (0, 3, 3, 3), (1, 1, 1, 1), (3, 5, 1, 7), (2, 1, 5, 5), (5, 5, 5, 1), (7, 17, 9, 33), (3, 0, 4, 2), (2, 4, 4, 0) })
            foreach (bool acc in new[] { false, true })
                Check(batch, m, n, k, transA, transB, acc, seed++);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesScalarOnAttentionShapes(bool transA, bool transB)
    {
        // [B·h, N, d]·[B·h, N, d]ᵀ-like products large enough in total to be split over the batch.
        Check(24, 65, 65, 32, transA, transB, accumulate: false, seed: 40);
        Check(9, 64, 32, 65, transA, transB, accumulate: true, seed: 41);
    }

    [Fact]
    public void RejectsShortSpansAndNegativeSizes()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBatched(new float[11], new float[12], new float[8], 2, 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBatched(new float[12], new float[12], new float[7], 2, 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyBatched(new float[12], new float[12], new float[8], -1, 2, 2, 3));
    }

    internal static void Check(int batch, int m, int n, int k, bool transA, bool transB, bool accumulate, ulong seed)
    {
        float[] a = Shapes.Random(batch * m * k, seed), b = Shapes.Random(batch * k * n, seed + 100), c0 = Shapes.Random(batch * m * n, seed + 200);
        float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone();
        Gemm.Scalar.MultiplyBatched(a, b, expected, batch, m, n, k, transA, transB, accumulate);
        Gemm.MultiplyBatched(a, b, actual, batch, m, n, k, transA, transB, accumulate);
        Approx.Equal(expected, actual, 1e-5f + 2e-6f * k, 1e-4f, $"batch={batch} m={m} n={n} k={k} tA={transA} tB={transB} acc={accumulate}");
    }
}

[Collection(ThreadsCollection.Name)]
public sealed class BatchedGemmThreadingTests
{
    [Fact]
    public void ResultIsBitIdenticalForAnyThreadCountAndEqualsSingleProducts()
    {
        const int batch = 13, m = 33, n = 65, k = 31;
        float[] a = Shapes.Random(batch * m * k, 1), b = Shapes.Random(batch * n * k, 2);
        int saved = Parallelism.Threads;
        try
        {
            var singles = new float[batch * m * n];
            for (int i = 0; i < batch; i++)
                Gemm.Multiply(a.AsSpan(i * m * k, m * k), b.AsSpan(i * n * k, n * k), singles.AsSpan(i * m * n, m * n), m, n, k, transB: true);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                var c = new float[batch * m * n];
                Gemm.MultiplyBatched(a, b, c, batch, m, n, k, transB: true);
                Assert.Equal(singles, c);
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}
