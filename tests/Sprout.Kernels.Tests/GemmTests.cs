// GEMM: every micro-kernel this machine supports against the scalar reference over a grid of shapes,
// all transpose/accumulate combinations; thread-count independence; steady-state allocation.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class GemmTests
{
    private static readonly int[] Sizes = [0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 100, 127, 129, 257];

    // Every (m, n, k) of the grid (3632 of its 4096) whose product keeps the scalar reference affordable;
    // the largest corners are covered by LargeShapes.
    private static IEnumerable<(int M, int N, int K)> Grid() =>
        from m in Sizes from n in Sizes from k in Sizes where (long)m * n * k <= 1 << 18 select (m, n, k);

    public static TheoryData<bool, bool> Forms() => new() { { false, false }, { true, false }, { false, true }, { true, true } };

    /// <summary>Each shape's reference is computed once and compared with every micro-kernel the machine supports.</summary>
    [Theory]
    [MemberData(nameof(Forms))]
    public void EveryKernelMatchesScalarOnGrid(bool transA, bool transB)
    {
        ulong seed = 1;
        foreach (var (m, n, k) in Grid())
            foreach (bool acc in new[] { false, true })
                CheckAllKernels(m, n, k, transA, transB, acc, seed++);
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void EveryKernelMatchesScalarOnLargeShapes(bool transA, bool transB)
    {
        CheckAllKernels(257, 129, 257, transA, transB, accumulate: true, seed: 7);
        CheckAllKernels(100, 300, 300, transA, transB, accumulate: false, seed: 8);   // MLP-like, several K slices
        CheckAllKernels(1, 257, 100, transA, transB, accumulate: false, seed: 9);
        CheckAllKernels(257, 1, 65, transA, transB, accumulate: true, seed: 10);
        CheckAllKernels(65, 33, 1100, transA, transB, accumulate: true, seed: 11);    // K not a multiple of the slice
    }

    [Fact]
    public void DefaultEntryMatchesScalar()
    {
        foreach (var (m, n, k) in new[] { (100, 300, 784), (33, 17, 513), (0, 5, 5), (5, 0, 5) })
        {
            var (a, b, c0) = Inputs(m, n, k, 3);
            var expected = (float[])c0.Clone();
            var actual = (float[])c0.Clone();
            Gemm.Scalar.Multiply(a, b, expected, m, n, k, transB: true);
            Gemm.Multiply(a, b, actual, m, n, k, transB: true);
            Approx.Equal(expected, actual, Tolerance(k), 1e-4f, $"{m}x{n}x{k}");
        }
    }

    /// <summary>
    /// Classifier-head shapes take the skinny paths of the default entry (A·Bᵀ with n ≤ 16, Aᵀ·B with m ≤ 16, the large
    /// operand ≥ 2¹⁸ elements): ragged depth and widths, every n and m up to 16, with and without accumulation.
    /// </summary>
    [Fact]
    public void SkinnyHeadShapesMatchScalar()
    {
        ulong seed = 20;
        foreach (int small in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 10, 13, 16 })
            foreach (bool acc in new[] { false, true })
            {
                // Forward of a head: [batch × k]·[small × k]ᵀ, k not a multiple of 16, odd batch.
                CheckDefault(129, small, 2051, transA: false, transB: true, acc, seed++);
                // Weight gradient of a head: [k × small]ᵀ·[k × n], n not a multiple of 32.
                CheckDefault(small, 2083, 127, transA: true, transB: false, acc, seed++);
            }
    }

    [Theory]
    [InlineData(10)]   // one full 8-row tile and a 2-row remainder
    [InlineData(13)]   // and a 5-row remainder
    public void SkinnyWeightGradientRowsDoNotDependOnTheRowCount(int m)
    {
        // Aᵀ·B on the skinny path: row r of C is one sum over k in a fixed order whether it falls in a full 8-row tile
        // or in the zero-padded remainder, so C's rows equal those of the products over A's first 8 and last m − 8 columns.
        const int n = 2083, k = 127;
        var (a, b, _) = Inputs(m, n, k, 31);
        var c = new float[m * n];
        Gemm.Multiply(a, b, c, m, n, k, transA: true);
        foreach (var (first, rows) in new[] { (0, 8), (8, m - 8) })
        {
            var part = new float[k * rows];
            for (int p = 0; p < k; p++) Array.Copy(a, p * m + first, part, p * rows, rows);
            var expected = new float[rows * n];
            Gemm.Multiply(part, b, expected, rows, n, k, transA: true);
            Assert.Equal(expected, c.AsSpan(first * n, rows * n).ToArray());
        }
    }

    private static void CheckDefault(int m, int n, int k, bool transA, bool transB, bool accumulate, ulong seed)
    {
        var (a, b, c0) = Inputs(m, n, k, seed);
        var expected = (float[])c0.Clone();
        var actual = (float[])c0.Clone();
        Gemm.Scalar.Multiply(a, b, expected, m, n, k, transA, transB, accumulate);
        Gemm.Multiply(a, b, actual, m, n, k, transA, transB, accumulate);
        Approx.Equal(expected, actual, Tolerance(k), 1e-4f, $"m={m} n={n} k={k} tA={transA} tB={transB} acc={accumulate}");
    }

    [Fact]
    public void ZeroDepthClearsOrKeepsC()
    {
        var c = new float[] { 1, 2, 3, 4, 5, 6 };
        Gemm.Multiply([], [], c, 2, 3, 0, accumulate: true);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, c);
        Gemm.Multiply([], [], c, 2, 3, 0);
        Assert.All(c, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void RejectsBadShapes()
    {
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], new float[4], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], new float[6], new float[3], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], new float[6], new float[4], -1, 2, 3));
    }

    private static void CheckAllKernels(int m, int n, int k, bool transA, bool transB, bool accumulate, ulong seed)
    {
        var (a, b, c0) = Inputs(m, n, k, seed);
        var expected = (float[])c0.Clone();
        Gemm.Scalar.Multiply(a, b, expected, m, n, k, transA, transB, accumulate);
        foreach (var kernel in Gemm.SupportedKernels)
        {
            var actual = (float[])c0.Clone();
            Gemm.MultiplyWith(kernel, a, b, actual, m, n, k, transA, transB, accumulate);
            Approx.Equal(expected, actual, Tolerance(k), 1e-4f, $"{kernel} m={m} n={n} k={k} tA={transA} tB={transB} acc={accumulate}");
        }
    }

    internal static (float[] A, float[] B, float[] C) Inputs(int m, int n, int k, ulong seed) =>
        (Shapes.Random(m * k, seed), Shapes.Random(k * n, seed + 1000), Shapes.Random(m * n, seed + 2000));

    // Sums of k products of U(−1, 1) values, summed in a different order: error grows about like √k·ε·|terms|.
    internal static float Tolerance(int k) => 1e-5f + 2e-6f * k;
}

/// <summary>GEMM properties that change Parallelism.Threads or measure allocation (run alone).</summary>
[Collection(ThreadsCollection.Name)]
public sealed class GemmThreadingTests
{
    [Theory]
    [InlineData(257, 300, 531, false, false)]   // the blocked driver
    [InlineData(130, 10, 4099, false, true)]    // skinny dot path (classifier head forward)
    [InlineData(10, 4100, 130, true, false)]    // skinny row path (classifier head weight gradient)
    public void ResultIsBitIdenticalForAnyThreadCount(int m, int n, int k, bool transA, bool transB)
    {
        var (a, b, _) = GemmTests.Inputs(m, n, k, 42);
        int saved = Parallelism.Threads;
        try
        {
            float[]? reference = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                var c = new float[m * n];
                Gemm.Multiply(a, b, c, m, n, k, transA, transB);
                reference ??= c;
                Assert.Equal(reference, c);
            }
        }
        finally { Parallelism.Threads = saved; }
    }

    [Theory]
    [InlineData(128, 10, 4096, false, true)]    // classifier head forward: skinny dot path
    [InlineData(10, 4096, 128, true, false)]    // classifier head weight gradient: skinny row path
    [InlineData(100, 300, 784, false, true)]    // MLP forward: parallel path
    [InlineData(300, 784, 100, true, false)]    // weight gradient
    [InlineData(7, 9, 5, false, false)]         // small: inline path
    public void SteadyStateAllocatesNothing(int m, int n, int k, bool transA, bool transB)
    {
        var (a, b, c) = GemmTests.Inputs(m, n, k, 5);
        Gemm.Multiply(a, b, c, m, n, k, transA, transB);   // warm-up: packing buffers, workers, JIT
        bool accumulate = false;
        Assert.Equal(0, Allocations.OnceSettled(() => Gemm.Multiply(a, b, c, m, n, k, transA, transB, accumulate = !accumulate)));
    }
}
