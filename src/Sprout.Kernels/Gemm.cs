// Dense general matrix multiply, row-major, float32: C (=|+=) op(A)·op(B).
// This file is the public entry and the scalar reference. The fast path (blocked, packed, SIMD micro-kernels,
// parallel over Parallelism.Threads) is in Gemm.Blocked.cs, Gemm.Packing.cs and Gemm.MicroKernel.cs.
namespace Sprout.Kernels;

/// <summary>Dense matrix products in the three forms a linear layer needs (A·B, Aᵀ·B, A·Bᵀ).</summary>
public static partial class Gemm
{
    /// <summary>
    /// C[m×n] = op(A)·op(B) (or += when <paramref name="accumulate"/>). op(A) is m×k: A is stored m×k,
    /// or k×m when <paramref name="transA"/>. op(B) is k×n: B is stored k×n, or n×k when <paramref name="transB"/>.
    /// </summary>
    /// <remarks>
    /// C must not overlap A or B. With k = 0, C is zeroed (or left as is when accumulating). Allocates nothing
    /// after the first call on a thread; the result is identical for any <see cref="Parallelism.Threads"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">A span is shorter than its shape requires, or a size is negative.</exception>
    public static unsafe void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transA = false, bool transB = false, bool accumulate = false)
    {
        Validate(a.Length, b.Length, c.Length, m, n, k);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c) Dispatch(pa, pb, pc, m, n, k, transA, transB, accumulate, allowParallel: true);
    }

    /// <summary>Picks the skinny or blocked path for validated sizes (m, n &gt; 0); serial when not <paramref name="allowParallel"/>.</summary>
    private static unsafe void Dispatch(float* pa, float* pb, float* pc, int m, int n, int k, bool transA, bool transB, bool accumulate,
        bool allowParallel)
    {
        if (UsesSkinnyDots(m, n, k, transA, transB)) SkinnyDots(pa, pb, pc, m, n, k, accumulate, allowParallel);
        else if (UsesSkinnyRows(m, n, k, transA, transB)) SkinnyRows(pa, pb, pc, m, n, k, accumulate, allowParallel);
        else Blocked(Selected, pa, pb, pc, m, n, k, transA, transB, accumulate, allowParallel);
    }

    /// <summary>Names of the micro-kernels this machine can run, widest first (tests run each against the reference).</summary>
    internal static IReadOnlyList<string> SupportedKernels => [.. Variant.Supported().Select(v => v.Name)];

    /// <summary><see cref="Multiply"/> forced onto the named micro-kernel (see <see cref="SupportedKernels"/>).</summary>
    internal static unsafe void MultiplyWith(string kernel, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transA = false, bool transB = false, bool accumulate = false)
    {
        var v = Variant.Supported().Single(x => x.Name == kernel);
        Validate(a.Length, b.Length, c.Length, m, n, k);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c) Blocked(v, pa, pb, pc, m, n, k, transA, transB, accumulate, allowParallel: true);
    }

    /// <summary>Name of the micro-kernel in use on this machine (e.g. "avx512-8x32"), for diagnostics.</summary>
    public static string KernelName => Selected.Name;

    internal static void Validate(int aLen, int bLen, int cLen, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"GEMM sizes must be non-negative (m={m}, n={n}, k={k}).");
        if (aLen < (long)m * k) throw new ArgumentException($"A holds {aLen} elements, needs m·k = {(long)m * k}.");
        if (bLen < (long)k * n) throw new ArgumentException($"B holds {bLen} elements, needs k·n = {(long)k * n}.");
        if (cLen < (long)m * n) throw new ArgumentException($"C holds {cLen} elements, needs m·n = {(long)m * n}.");
    }

    /// <summary>
    /// Plain loops with the same contract: the reference the tests compare every micro-kernel with. (Without SIMD
    /// the fast path is still the blocked driver, with a scalar 6×2 micro-kernel, which is several times faster.)
    /// </summary>
    public static partial class Scalar
    {
        /// <inheritdoc cref="Gemm.Multiply"/>
        public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
            int m, int n, int k, bool transA = false, bool transB = false, bool accumulate = false)
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    float s = 0;
                    for (int p = 0; p < k; p++)
                        s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                    c[i * n + j] = accumulate ? c[i * n + j] + s : s;
                }
        }
    }
}
