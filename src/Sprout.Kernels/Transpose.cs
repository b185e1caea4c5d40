// Matrix transpose, used to convert between batch-major and feature-major activation layouts, and the
// 8×8 register transpose that GEMM packing also uses. Not a strided/view transpose: both sides are dense.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

/// <summary>dst[c, r] = src[r, c] for src of shape [rows × cols].</summary>
public static partial class Transpose
{
    // Cache tile: a square block of source and destination, kept in cache while its 8×8 register blocks are written so
    // that both the reads and the strided writes hit it (64×64 is 16 KB per side, in L1; 128×128 is 64 KB, in L2).
    // 64 suits a wide source of fewer than 256 rows (a batch of 128 going feature-major). Against 64, tall sources
    // (feature-major back to a batch) ran 1.4–2× faster with 128, i.e. long runs along each destination row ([4096 × 128]
    // 130 → 91 µs, [4096 × 784] 1.47 → 1.02 ms), and wide sources of 256 or more rows 2× faster with 32 ([256 × 4096]
    // 395 → 196 µs: destination rows 1 KB apart put a 64-row tile's lines in a quarter of L1's sets). Measured on one
    // Zen 5 core, one thread, every variant fully optimized.
    private const int Tile = 64, TallTile = 128, LargeBatchTile = 32;

    /// <summary>Writes the transpose of src [rows × cols] into dst [cols × rows] (dst[c·rows + r] = src[r·cols + c]).</summary>
    /// <exception cref="ArgumentException">A size is negative or a span is shorter than rows·cols.</exception>
    public static unsafe void Matrix(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"Transpose sizes must be non-negative (rows={rows}, cols={cols}).");
        long size = (long)rows * cols;
        if (src.Length < size || dst.Length < size) throw new ArgumentException($"Transpose needs {size} elements in src and dst.");
        if (!CanTranspose8x8 || rows < 8 || cols < 8)
        {
            Scalar.Matrix(src, dst, rows, cols);
            return;
        }
        int tile = cols < rows ? TallTile : rows >= 256 ? LargeBatchTile : Tile;
        fixed (float* s = src, d = dst)
        {
            int tiles = ((rows + tile - 1) / tile) * ((cols + tile - 1) / tile);
            int parts = size < ParallelElements ? 1 : Math.Min(tiles, 2 * Parallelism.Threads);
            Parallelism.For(parts, new TransposeJob(s, d, rows, cols, tile, tiles, parts));
        }
    }

    /// <summary>
    /// From this many elements (256 KB) the tiles are shared among the kernel threads: a layer's activations at batch 128
    /// and width 512 or more. Smaller transposes take a few microseconds, about what waking a helper thread costs.
    /// </summary>
    private const long ParallelElements = 1 << 16;

    /// <summary>The tiles in row-major order, cut into <paramref name="parts"/> contiguous runs; tiles write disjoint parts of dst.</summary>
    private readonly unsafe struct TransposeJob(float* s, float* d, int rows, int cols, int tile, int tiles, int parts) : IParallelJob
    {
        private readonly int _tileCols = (cols + tile - 1) / tile;

        public void Execute(int part)
        {
            int t0 = Parallelism.ShareStart(tiles, part, parts), t1 = Parallelism.ShareStart(tiles, part + 1, parts);
            for (int t = t0; t < t1; t++)
            {
                int r0 = t / _tileCols * tile, c0 = t % _tileCols * tile;
                TransposeTile(s, d, rows, cols, r0, Math.Min(rows, r0 + tile), c0, Math.Min(cols, c0 + tile));
            }
        }
    }

    // Full optimization from the first call, like the other kernels: left to tiering, this method ran 3-4× slower in
    // steady state ([128 × 784] → [784 × 128]: 45 µs against 10 µs), which made the input transpose 18% of a LeNet step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TransposeTile(float* s, float* d, int rows, int cols, int r0, int r1, int c0, int c1)
    {
        int rFull = r0 + ((r1 - r0) & ~7), cFull = c0 + ((c1 - c0) & ~7);
        // The inner loop walks along the rows of whichever side has the longer stride, so those rows are touched in
        // consecutive cache lines. Going across them instead (64 rows 16 KB apart, e.g. [4096 × 128] → [128 × 4096])
        // maps every line to the same L1 set, and each half-written line is evicted before its other half: 5–7× slower.
        if (cols >= rows)
        {
            for (int r = r0; r < rFull; r += 8)
                for (int c = c0; c < cFull; c += 8)
                    Block8x8(s + (nint)r * cols + c, cols, d + (nint)c * rows + r, rows);
        }
        else
        {
            for (int c = c0; c < cFull; c += 8)
                for (int r = r0; r < rFull; r += 8)
                    Block8x8(s + (nint)r * cols + c, cols, d + (nint)c * rows + r, rows);
        }
        // Ragged right edge (all rows of the tile) and bottom edge (full-width part only).
        for (int r = r0; r < r1; r++)
            for (int c = cFull; c < c1; c++) d[(nint)c * rows + r] = s[(nint)r * cols + c];
        for (int r = rFull; r < r1; r++)
            for (int c = c0; c < cFull; c++) d[(nint)c * rows + r] = s[(nint)r * cols + c];
    }

    /// <summary>True when <see cref="Block8x8"/> runs in registers (AVX).</summary>
    internal static bool CanTranspose8x8 => Avx.IsSupported;

    /// <summary>
    /// Transposes one 8×8 block: dst[c·ldd + r] = src[r·lds + c] for r, c &lt; 8. Requires <see cref="CanTranspose8x8"/>.
    /// Unpack pairs rows, Shuffle forms 4-element columns within 128-bit lanes, Permute2x128 joins the lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Block8x8(float* src, nint lds, float* dst, nint ldd)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds);
        var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds);
        var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds);
        var r7 = Avx.LoadVector256(src + 7 * lds);

        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Transpose.Matrix"/>
        public static void Matrix(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
        {
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        }
    }
}
