// GEMM for the two products of a classifier head whose input is large (a batch of wide activations into a 10-class
// layer), where the blocked driver packs a 2 MB operand and runs 32-wide micro-tiles that are two-thirds padding:
// - forward, C[m×n] = A·Bᵀ with B stored n×k and n ≤ 16: every C element is a dot product of two contiguous rows;
//   two rows of A against four of B per pass ([128 × 4096]·[10 × 4096]ᵀ: 554 → 86 µs on this machine);
// - weight gradient, C[m×n] = Aᵀ·B with A stored k×m and m ≤ 16: each C row is a sum of B's rows scaled by A's
//   column; eight C rows × 32 columns stay in registers (the shared Tile8x32 kernel) while B streams past once.
// Each C element is summed by one thread in a fixed order, so the result does not depend on the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Gemm
{
    /// <summary>Widest op(B) this path takes: one Vector512 accumulator per column, sixteen of the 32 registers.</summary>
    private const int SkinnyMaxColumns = 16;

    /// <summary>
    /// Smallest A (in elements) this path takes: below it, packing A costs little and the blocked kernels' summation
    /// order (which every small head, e.g. LeNet-300-100's 100 → 10, has always used) is kept.
    /// </summary>
    private const long SkinnyMinA = 1 << 18;

    /// <summary>Rows of C per parallel part of the forward path.</summary>
    private const int SkinnyRowsPerPart = 16;

    /// <summary>C columns per parallel part of the weight-gradient path (a multiple of 32).</summary>
    private const int SkinnyColumnsPerPart = 256;

    private static bool UsesSkinnyDots(int m, int n, int k, bool transA, bool transB) =>
        transB && !transA && n <= SkinnyMaxColumns && (long)m * k >= SkinnyMinA && Vector512.IsHardwareAccelerated;

    private static bool UsesSkinnyRows(int m, int n, int k, bool transA, bool transB) =>
        transA && !transB && m <= SkinnyMaxColumns && (long)k * n >= SkinnyMinA && Vector512.IsHardwareAccelerated;

    private static unsafe void SkinnyDots(float* a, float* b, float* c, int m, int n, int k, bool accumulate, bool allowParallel) =>
        Run(Ceil(m, SkinnyRowsPerPart), new SkinnyJob(a, b, c, m, n, k, accumulate), allowParallel && SkinnyParallel(m, n, k));

    private static unsafe void SkinnyRows(float* a, float* b, float* c, int m, int n, int k, bool accumulate, bool allowParallel) =>
        Run(Ceil(n, SkinnyColumnsPerPart), new SkinnyRowsJob(a, b, c, m, n, k, accumulate), allowParallel && SkinnyParallel(m, n, k));

    private static bool SkinnyParallel(int m, int n, int k) => Parallelism.Threads > 1 && (long)m * n * k >= ParallelThreshold;

    /// <summary>C = Aᵀ·B for A stored k×m (m ≤ 16) and B k×n: eight C rows × 32 columns per register tile (Tile8x32).</summary>
    private readonly unsafe struct SkinnyRowsJob(float* a, float* b, float* c, int m, int n, int k, bool accumulate) : IParallelJob
    {
        [ThreadStatic] private static float[]? _paddedA;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        public void Execute(int part)
        {
            int j0 = part * SkinnyColumnsPerPart, j1 = Math.Min(n, j0 + SkinnyColumnsPerPart);
            float* tile = stackalloc float[8 * 32];
            for (int i = 0; i < m; i += 8)
            {
                int rows = Math.Min(8, m - i);
                // Eight rows read A's columns in place (step p at a + p·m + i); fewer read them zero-padded to eight,
                // so the kernel never reads past A, and write their tile through the scratch.
                float* ai = rows == 8 ? a + i : PadColumns(i, rows);
                nint lda = rows == 8 ? m : 8;
                int j = j0;
                for (; j + 32 <= j1; j += 32)
                {
                    float* ci = c + (nint)i * n + j;
                    var bRows = new StridedRows(b + j, n);
                    if (rows == 8)
                    {
                        Tile8x32(k, ai, lda, bRows, ci, n, accumulate);
                        continue;
                    }
                    Tile8x32(k, ai, lda, bRows, tile, 32, add: false);
                    for (int r = 0; r < rows; r++) Store512(ci + (nint)r * n, Vector512.Load(tile + 32 * r), Vector512.Load(tile + 32 * r + 16), accumulate);
                }
                for (; j < j1; j++) Column(i, rows, j);
            }
        }

        /// <summary>A's columns [i, i + rows) as k steps of eight floats, the missing rows zero.</summary>
        private float* PadColumns(int i, int rows)
        {
            float* padded = PinnedScratch.Floats(ref _paddedA, 8L * k);
            for (int p = 0; p < k; p++)
            {
                float* src = a + (nint)p * m + i, dst = padded + 8 * (nint)p;
                for (int r = 0; r < 8; r++) dst[r] = r < rows ? src[r] : 0f;
            }
            return padded;
        }

        /// <summary>One column of C for rows [i, i + rows): the ragged right edge.</summary>
        private void Column(int i, int rows, int j)
        {
            for (int r = i; r < i + rows; r++)
            {
                float s = 0;
                for (int p = 0; p < k; p++) s += a[(nint)p * m + r] * b[(nint)p * n + j];
                float* o = c + (nint)r * n + j;
                *o = accumulate ? *o + s : s;
            }
        }
    }

    private readonly unsafe struct SkinnyJob(float* a, float* b, float* c, int m, int n, int k, bool accumulate) : IParallelJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part)
        {
            int i0 = part * SkinnyRowsPerPart, i1 = Math.Min(m, i0 + SkinnyRowsPerPart);
            int i = i0;
            // Two rows of A against four rows of B: eight accumulators, six loads per eight FMAs.
            for (; i + 2 <= i1; i += 2)
            {
                int j = 0;
                for (; j + 4 <= n; j += 4) Dots2x4(i, j);
                for (; j < n; j++) { Dot(i, j); Dot(i + 1, j); }
            }
            for (; i < i1; i++)
                for (int j = 0; j < n; j++) Dot(i, j);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Dots2x4(int i, int j)
        {
            float* r0 = a + (nint)i * k, r1 = r0 + k;
            float* b0 = b + (nint)j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
            Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
            Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
            int p = 0;
            for (; p + 16 <= k; p += 16)
            {
                var x0 = Vector512.Load(r0 + p);
                var x1 = Vector512.Load(r1 + p);
                var w = Vector512.Load(b0 + p);
                s00 = Vector512.FusedMultiplyAdd(x0, w, s00); s10 = Vector512.FusedMultiplyAdd(x1, w, s10);
                w = Vector512.Load(b1 + p);
                s01 = Vector512.FusedMultiplyAdd(x0, w, s01); s11 = Vector512.FusedMultiplyAdd(x1, w, s11);
                w = Vector512.Load(b2 + p);
                s02 = Vector512.FusedMultiplyAdd(x0, w, s02); s12 = Vector512.FusedMultiplyAdd(x1, w, s12);
                w = Vector512.Load(b3 + p);
                s03 = Vector512.FusedMultiplyAdd(x0, w, s03); s13 = Vector512.FusedMultiplyAdd(x1, w, s13);
            }
            Store(i, j, Vector512.Sum(s00), p); Store(i, j + 1, Vector512.Sum(s01), p);
            Store(i, j + 2, Vector512.Sum(s02), p); Store(i, j + 3, Vector512.Sum(s03), p);
            Store(i + 1, j, Vector512.Sum(s10), p); Store(i + 1, j + 1, Vector512.Sum(s11), p);
            Store(i + 1, j + 2, Vector512.Sum(s12), p); Store(i + 1, j + 3, Vector512.Sum(s13), p);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Dot(int i, int j)
        {
            float* r = a + (nint)i * k, w = b + (nint)j * k;
            Vector512<float> s = default;
            int p = 0;
            for (; p + 16 <= k; p += 16) s = Vector512.FusedMultiplyAdd(Vector512.Load(r + p), Vector512.Load(w + p), s);
            Store(i, j, Vector512.Sum(s), p);
        }

        /// <summary>Adds the scalar tail from depth <paramref name="p"/> to the vector part and writes C[i, j].</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(int i, int j, float sum, int p)
        {
            float* r = a + (nint)i * k, w = b + (nint)j * k;
            for (; p < k; p++) sum += r[p] * w[p];
            float* o = c + (nint)i * n + j;
            *o = accumulate ? *o + sum : sum;
        }
    }
}
