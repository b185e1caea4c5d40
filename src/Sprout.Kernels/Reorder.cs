// Layout reorders between BatchMajor [B, C, H, W] and FeatureMajor [C, B, H, W]: both are "swap the two leading
// axes of [d0, d1, inner]", a transpose of d0×d1 blocks of `inner` contiguous floats. With inner = 1 it is a plain
// matrix transpose and goes to Transpose.Matrix.
namespace Sprout.Kernels;

/// <summary>dst[j, i, ·] = src[i, j, ·] for src [d0, d1, inner].</summary>
public static unsafe class Reorder
{
    private const long ParallelElements = 1 << 16;

    /// <summary>Writes src [d0, d1, inner] as dst [d1, d0, inner] (overwritten; must not overlap src).</summary>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void SwapLeadingAxes(ReadOnlySpan<float> src, Span<float> dst, int d0, int d1, int inner)
    {
        if (d0 < 0 || d1 < 0 || inner < 0) throw new ArgumentException($"Reorder sizes must be non-negative (got {d0}, {d1}, {inner}).");
        int size = checked(d0 * d1 * inner);
        Simd.RequireLength(size, src.Length, nameof(src));
        Simd.RequireLength(size, dst.Length, nameof(dst));
        if (inner == 1) { Transpose.Matrix(src, dst, d0, d1); return; }
        fixed (float* s = src, d = dst)
        {
            var job = new Job(s, d, d0, d1, inner);
            if (size < ParallelElements) for (int j = 0; j < d1; j++) job.Execute(j);
            else Parallelism.For(d1, job);
        }
    }

    private readonly struct Job(float* src, float* dst, int d0, int d1, int inner) : IParallelJob
    {
        public void Execute(int j)
        {
            for (int i = 0; i < d0; i++)
                new ReadOnlySpan<float>(src + ((long)i * d1 + j) * inner, inner).CopyTo(new Span<float>(dst + ((long)j * d0 + i) * inner, inner));
        }
    }

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Reorder.SwapLeadingAxes"/>
        public static void SwapLeadingAxes(ReadOnlySpan<float> src, Span<float> dst, int d0, int d1, int inner)
        {
            for (int i = 0; i < d0; i++)
                for (int j = 0; j < d1; j++)
                    for (int p = 0; p < inner; p++) dst[(j * d0 + i) * inner + p] = src[(i * d1 + j) * inner + p];
        }
    }
}
