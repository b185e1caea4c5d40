// Stride-1 direct sparse convolution on zero-bordered copies of a few images at a time (forward, input gradient and
// weight gradient at the live weights). The row-accumulator kernels (SparseConvLoops.cs) read the activations in
// place and handle the borders with one accumulator per kernel column plus masked shifts, which every (row, image)
// pays whatever its nonzeros; they measured 4–15% of one core's FMA peak on ResNet-20's layers (docs/BENCHMARKS.md).
// Here each part copies its images of every input channel into a contiguous, zero-bordered block
// [C, nb, H + 2p, W + 2p]. A tap (c, i, j) is then one offset into that block, the same for every output position, so
// an output row is Σ values·(block shifted by the tap): no masks, no per-column accumulators. The forward keeps eight
// vectors of outputs in registers across all of a row's live weights (one load per multiply-add): whole output rows
// stored straight to the output when rows are 16·k floats wide, else a flat run over the block in padded-width
// coordinates whose border positions are computed and dropped. The input gradient is the same convolution of dY
// (padded by k − 1 − p) with the flipped, transposed weight. The weight gradient dots each live weight's shifted block
// with dY, eight weights per pass (dY read in place for whole-vector rows, else laid out in padded-width coordinates
// with zeros at the border positions). Parts are disjoint groups of images; outputs are written by one part each, and
// weight gradients are summed part by part in part order, so results do not depend on the thread count (the parts
// depend only on the sizes).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    // Floats of one part's padded block (128 KB: it stays in L2 next to the row's tile and dY run).
    private const int PaddedBlockFloats = 32 * 1024;

    // Floats of a register tile: eight vectors; reads may run this far past a block, which the scratch allows for.
    private const int Tile = 128;

    // Weight-gradient parts keep nnz partial sums each; their count is capped so that this many floats suffice.
    private const int PartialsFloats = 1 << 21;

    // A part holds at least one whole padded image of every channel; beyond this many floats (1 MB per thread) the
    // row-accumulator kernels, whose scratch is a few rows, take the layer instead (very wide layers stay O(nnz + rows)).
    private const long MaxImageBlockFloats = 8 * PaddedBlockFloats;

    /// <summary>Whether the padded stride-1 kernels take this geometry: stride 1, padding below the kernel size, SIMD, and one padded image within budget.</summary>
    private static bool PaddedPath(in SparseConvGeometry g)
    {
        var w = g.Window;
        long image = (long)Math.Max(g.InChannels, g.OutChannels) * (g.Height + 2 * w.KernelHeight) * (g.Width + 2 * w.KernelWidth);
        return !LegacyStride1 && w.StrideHeight == 1 && w.StrideWidth == 1 && w.PadHeight < w.KernelHeight && w.PadWidth < w.KernelWidth
            && Vector256.IsHardwareAccelerated && g.Batch > 0 && image <= MaxImageBlockFloats;
    }

    /// <summary>The padded block of one convolution over source planes [channels, batch, height, width] with pads (ph, pw).</summary>
    private readonly struct Block
    {
        public readonly int Channels, Batch, Height, Width, PadH, PadW, Hp, Wp, OutH, OutW, PerPart, Parts;

        public Block(int channels, int batch, int height, int width, int kh, int kw, int ph, int pw, int minPerPart)
        {
            (Channels, Batch, Height, Width, PadH, PadW) = (channels, batch, height, width, ph, pw);
            (Hp, Wp) = (height + 2 * ph, width + 2 * pw);
            (OutH, OutW) = (Hp - kh + 1, Wp - kw + 1);
            PerPart = Math.Clamp(Math.Max(PaddedBlockFloats / Math.Max(1, channels * Hp * Wp), minPerPart), 1, batch);
            Parts = (batch + PerPart - 1) / PerPart;
        }

        /// <summary>Floats between two channels in the block.</summary>
        public int ChannelStride => PerPart * Hp * Wp;

        /// <summary>Floats of the block plus the slack a tile may read past it.</summary>
        public long Floats => (long)Channels * ChannelStride + Tile;

        /// <summary>Output positions of a part of nb images in padded-width coordinates: up to the last real one.</summary>
        public int Run(int nb) => (nb - 1) * Hp * Wp + (OutH - 1) * Wp + OutW;

        /// <summary>
        /// Asks for the source planes of part <paramref name="part"/> to be brought into L2 (no-op past the last part or
        /// without SSE): the copy into a block is bound by memory reads, and starting them one part ahead lets them
        /// overlap the multiply-adds of the current part.
        /// </summary>
        public unsafe void Prefetch(float* src, int part) => Prefetch(src, Channels, Height * Width, part);

        /// <summary>As <see cref="Prefetch(float*, int)"/> for planes [channels, Batch, plane] of another tensor (dY in the weight gradient).</summary>
        public unsafe void Prefetch(float* src, int channels, int plane, int part)
        {
            if (!Sse.IsSupported || part >= Parts) return;
            int b0 = part * PerPart, nb = Math.Min(PerPart, Batch - b0);
            long run = (long)nb * plane;
            for (int c = 0; c < channels; c++)
            {
                float* s = src + ((long)c * Batch + b0) * plane;
                for (long t = 0; t < run; t += 16) Sse.Prefetch1(s + t);
            }
        }

        /// <summary>Copies images [b0, b0 + nb) of every channel of <paramref name="src"/> into <paramref name="block"/> with zero borders.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Fill(float* src, float* block, int b0, int nb)
        {
            int plane = Height * Width;
            for (int c = 0; c < Channels; c++)
                for (int m = 0; m < nb; m++)
                {
                    float* s = src + ((long)c * Batch + b0 + m) * plane, d = block + (long)c * ChannelStride + (long)m * Hp * Wp;
                    ClearRun(d, PadH * Wp);
                    d += PadH * Wp;
                    for (int h = 0; h < Height; h++, d += Wp, s += Width)
                    {
                        for (int q = 0; q < PadW; q++) { d[q] = 0f; d[PadW + Width + q] = 0f; }
                        CopyRun(s, d + PadW, Width);
                    }
                    ClearRun(d, PadH * Wp);
                }
        }
    }

    // Short runs (one image row): inline vector loops; a span call per row costs more than the copy at these lengths.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRun(float* src, float* dst, int n)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated) for (; k + 16 <= n; k += 16) Vector512.Load(src + k).Store(dst + k);
        for (; k + 8 <= n; k += 8) Vector256.Load(src + k).Store(dst + k);
        for (; k < n; k++) dst[k] = src[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ClearRun(float* dst, int n)
    {
        int k = 0;
        for (; k + 8 <= n; k += 8) Vector256<float>.Zero.Store(dst + k);
        for (; k < n; k++) dst[k] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyOrAddRun(float* src, float* dst, int n, bool add)
    {
        if (add) CopyOrAdd(src, dst, n, add: true);
        else CopyRun(src, dst, n);
    }

    /// <summary>Forward on the padded path: rows = output channels, taps decoded from CSR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PaddedForward(int* ptr, int* idx, float* values, float* x, float* y, in SparseConvGeometry g, bool accumulate)
    {
        var w = g.Window;
        var block = new Block(g.InChannels, g.Batch, g.Height, g.Width, w.KernelHeight, w.KernelWidth, w.PadHeight, w.PadWidth, 1);
        int nnz = ptr[g.OutChannels];
        var taps = PaddedScratch.Taps(nnz, out float* tapValues);
        int kk = w.KernelHeight * w.KernelWidth;
        for (int k = 0; k < nnz; k++)
        {
            int col = idx[k], c = col / kk, rem = col - c * kk, i = rem / w.KernelWidth, j = rem - i * w.KernelWidth;
            (taps[k], tapValues[k]) = (c * block.ChannelStride + i * block.Wp + j, values[k]);
        }
        Parallelism.For(block.Parts, new PaddedConvJob(ptr, taps, tapValues, x, y, g.OutChannels, block, accumulate));
    }

    /// <summary>Input gradient on the padded path: rows = input channels, taps (output channel, flipped i, j) from the CSC index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PaddedInputGradient(int* cptr, int* ridx, int* perm, float* values, float* dy, float* dx, in SparseConvGeometry g, bool accumulate)
    {
        var w = g.Window;
        int kh = w.KernelHeight, kw = w.KernelWidth, kk = kh * kw;
        var block = new Block(g.OutChannels, g.Batch, g.OutputHeight, g.OutputWidth, kh, kw, kh - 1 - w.PadHeight, kw - 1 - w.PadWidth, 1);
        int nnz = cptr[g.FanIn];
        var taps = PaddedScratch.Taps(nnz, out float* tapValues);
        int* rowPtr = PaddedScratch.RowPointers(g.InChannels + 1);
        for (int c = 0; c <= g.InChannels; c++) rowPtr[c] = cptr[c * kk];
        for (int f = 0; f < g.FanIn; f++)
        {
            int rem = f % kk, i = rem / kw, j = rem - i * kw;
            for (int q = cptr[f]; q < cptr[f + 1]; q++)
                (taps[q], tapValues[q]) = (ridx[q] * block.ChannelStride + (kh - 1 - i) * block.Wp + (kw - 1 - j), values[perm[q]]);
        }
        Parallelism.For(block.Parts, new PaddedConvJob(rowPtr, taps, tapValues, dy, dx, g.InChannels, block, accumulate));
    }

    /// <summary>Weight gradient at the live weights on the padded path (x padded as in the forward pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PaddedWeightGradient(int* ptr, int* idx, float* x, float* dy, float* dValues, in SparseConvGeometry g, bool accumulate)
    {
        var w = g.Window;
        int nnz = ptr[g.OutChannels];
        int maxParts = Math.Clamp(PartialsFloats / Math.Max(1, nnz), 1, g.Batch);
        var block = new Block(g.InChannels, g.Batch, g.Height, g.Width, w.KernelHeight, w.KernelWidth, w.PadHeight, w.PadWidth,
            (g.Batch + maxParts - 1) / maxParts);
        int kk = w.KernelHeight * w.KernelWidth;
        var taps = PaddedScratch.Taps(nnz, out _);
        for (int k = 0; k < nnz; k++)
        {
            int col = idx[k], c = col / kk, rem = col - c * kk, i = rem / w.KernelWidth, j = rem - i * w.KernelWidth;
            taps[k] = c * block.ChannelStride + i * block.Wp + j;
        }
        float* partials = PaddedScratch.Partials((long)block.Parts * nnz);
        Parallelism.For(block.Parts, new PaddedWeightJob(ptr, taps, x, dy, partials, g.OutChannels, nnz, block));
        for (int k = 0; k < nnz; k++)
        {
            float sum = 0f;
            for (int p = 0; p < block.Parts; p++) sum += partials[(long)p * nnz + k];
            dValues[k] = accumulate ? dValues[k] + sum : sum;
        }
    }

    /// <summary>out[r, images of the part] (=|+=) Σ over row r's taps of value·(padded block shifted by the tap).</summary>
    private readonly unsafe struct PaddedConvJob(int* rowPtr, int* taps, float* tapValues, float* src, float* dst, int rows, Block block, bool accumulate)
        : IParallelJob
    {
        [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: few calls per step
        public void Execute(int part)
        {
            int b0 = part * block.PerPart, nb = Math.Min(block.PerPart, block.Batch - b0);
            float* padded = PaddedScratch.Block(block.Floats);
            block.Fill(src, padded, b0, nb);
            block.Prefetch(src, part + Parallelism.Threads); // the part this thread most likely takes next
            int run = block.Run(nb), hpwp = block.Hp * block.Wp, outPlane = block.OutH * block.OutW;
            int outW = block.OutW, perRow = outW / 16, lines = nb * block.OutH;
            bool byRows = Vector512.IsHardwareAccelerated && outW % 16 == 0 && perRow <= 8 && lines <= 4096;
            // Output rows whole: a tile is 8 / perRow output rows (each perRow vectors), and out[r] for the part's
            // images is one contiguous run of lines·outW floats, so the registers go straight to it.
            int* rowBase = stackalloc int[byRows ? lines : 0];
            for (int l = 0; l < (byRows ? lines : 0); l++) rowBase[l] = l / block.OutH * hpwp + l % block.OutH * block.Wp;
            float* acc = byRows ? null : PaddedScratch.Rows(run + Tile);
            for (int r = 0; r < rows; r++)
            {
                int k0 = rowPtr[r], k1 = rowPtr[r + 1];
                float* o = dst + ((long)r * block.Batch + b0) * outPlane;
                if (k0 == k1)
                {
                    if (!accumulate) new Span<float>(o, nb * outPlane).Clear();
                    continue;
                }
                if (byRows)
                {
                    int tileLines = 8 / perRow;
                    for (int l = 0; l < lines; l += tileLines)
                        TileLines(padded, taps, tapValues, k0, k1, rowBase + l, Math.Min(tileLines, lines - l), perRow, o + (long)l * outW, accumulate);
                    continue;
                }
                for (int t = 0; t < run; t += Tile) TileRow(padded + t, taps, tapValues, k0, k1, acc + t);
                for (int m = 0; m < nb; m++)
                    for (int h = 0; h < block.OutH; h++)
                        CopyOrAddRun(acc + m * hpwp + h * block.Wp, o + (m * block.OutH + h) * block.OutW, block.OutW, accumulate);
            }
        }
    }

    /// <summary>
    /// out[0..n·perRow·16) (=|+=) Σ_k values[k]·(the n output lines starting at src + taps[k] + rowBase[line], perRow
    /// vectors each): eight vector accumulators in registers (n·perRow ≤ 8), stored straight to the contiguous output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileLines(float* src, int* taps, float* values, int k0, int k1, int* rowBase, int n, int perRow, float* output, bool accumulate)
    {
        // Offset of vector q: its line's base plus its place in the line; lines past n repeat line 0 (read, never stored).
        int o0 = Offset(0), o1 = Offset(1), o2 = Offset(2), o3 = Offset(3), o4 = Offset(4), o5 = Offset(5), o6 = Offset(6), o7 = Offset(7);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int k = k0; k < k1; k++)
        {
            var v = Vector512.Create(values[k]);
            float* p = src + taps[k];
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o0), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o1), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o2), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o3), a3);
            a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o4), a4);
            a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o5), a5);
            a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o6), a6);
            a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o7), a7);
        }
        int stored = n * perRow;
        if (stored == 8)
        {
            if (accumulate)
            {
                a0 += Vector512.Load(output); a1 += Vector512.Load(output + 16); a2 += Vector512.Load(output + 32); a3 += Vector512.Load(output + 48);
                a4 += Vector512.Load(output + 64); a5 += Vector512.Load(output + 80); a6 += Vector512.Load(output + 96); a7 += Vector512.Load(output + 112);
            }
            a0.Store(output); a1.Store(output + 16); a2.Store(output + 32); a3.Store(output + 48);
            a4.Store(output + 64); a5.Store(output + 80); a6.Store(output + 96); a7.Store(output + 112);
            return;
        }
        // A last, partial tile: the first `stored` vectors only (the output holds no more).
        Put(a0, 0); Put(a1, 1); Put(a2, 2); Put(a3, 3); Put(a4, 4); Put(a5, 5); Put(a6, 6);

        void Put(Vector512<float> a, int q)
        {
            if (q >= stored) return;
            float* d = output + q * 16;
            (accumulate ? a + Vector512.Load(d) : a).Store(d);
        }

        int Offset(int q)
        {
            int line = q / perRow;
            return (line < n ? rowBase[line] : rowBase[0]) + (q - line * perRow) * 16;
        }
    }

    /// <summary>acc[0..Tile) = Σ_k values[k]·src[taps[k] + 0..Tile) over k in [k0, k1): eight vector accumulators in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileRow(float* src, int* taps, float* values, int k0, int k1, float* acc)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int k = k0; k < k1; k++)
            {
                var v = Vector512.Create(values[k]);
                float* p = src + taps[k];
                a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p), a0);
                a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 48), a3);
                a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 64), a4);
                a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 80), a5);
                a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 96), a6);
                a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 112), a7);
            }
            a0.Store(acc); a1.Store(acc + 16); a2.Store(acc + 32); a3.Store(acc + 48);
            a4.Store(acc + 64); a5.Store(acc + 80); a6.Store(acc + 96); a7.Store(acc + 112);
            return;
        }
        for (int half = 0; half < Tile; half += 64)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int k = k0; k < k1; k++)
            {
                var v = Vector256.Create(values[k]);
                float* p = src + taps[k] + half;
                a0 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p), a0);
                a1 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 8), a1);
                a2 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 16), a2);
                a3 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 24), a3);
                a4 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 32), a4);
                a5 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 40), a5);
                a6 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 48), a6);
                a7 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 56), a7);
            }
            float* d = acc + half;
            a0.Store(d); a1.Store(d + 8); a2.Store(d + 16); a3.Store(d + 24);
            a4.Store(d + 32); a5.Store(d + 40); a6.Store(d + 48); a7.Store(d + 56);
        }
    }

    /// <summary>partials[part·nnz + k] = Σ over the part's positions of dY[row of k]·(padded x shifted by tap k).</summary>
    private readonly unsafe struct PaddedWeightJob(int* ptr, int* taps, float* x, float* dy, float* partials, int rows, int nnz, Block block) : IParallelJob
    {
        [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: few calls per step
        public void Execute(int part)
        {
            int b0 = part * block.PerPart, nb = Math.Min(block.PerPart, block.Batch - b0);
            float* padded = PaddedScratch.Block(block.Floats);
            block.Fill(x, padded, b0, nb);
            block.Prefetch(x, part + Parallelism.Threads); // the part this thread most likely takes next
            block.Prefetch(dy, rows, block.OutH * block.OutW, part + Parallelism.Threads);
            int run = block.Run(nb), hpwp = block.Hp * block.Wp, outPlane = block.OutH * block.OutW;
            float* partial = partials + (long)part * nnz;
            int outW = block.OutW, lines = nb * block.OutH;
            if (Vector512.IsHardwareAccelerated && outW % 16 == 0 && lines <= 4096)
            {
                // Output rows whole: dY's rows of the part are read where they are, against each tap's rows of the
                // block; no copy of dY and no border positions.
                int* rowBase = stackalloc int[lines];
                for (int l = 0; l < lines; l++) rowBase[l] = l / block.OutH * hpwp + l % block.OutH * block.Wp;
                for (int r = 0; r < rows; r++)
                {
                    int k = ptr[r], k1 = ptr[r + 1];
                    float* g = dy + ((long)r * block.Batch + b0) * outPlane;
                    for (; k + 8 <= k1; k += 8) DotLines8(padded, taps + k, g, rowBase, lines, outW / 16, partial + k);
                    if (k + 4 <= k1)
                    {
                        DotLines4(padded, taps + k, g, rowBase, lines, outW / 16, partial + k);
                        k += 4;
                    }
                    for (; k < k1; k++) partial[k] = DotLines(padded + taps[k], g, rowBase, lines, outW / 16);
                }
                return;
            }
            float* d = PaddedScratch.Rows(run + Tile);
            new Span<float>(d, run).Clear(); // border positions stay zero: only real outputs are copied in below
            Vector256<float>* sums = stackalloc Vector256<float>[4];
            for (int r = 0; r < rows; r++)
            {
                int k = ptr[r], k1 = ptr[r + 1];
                if (k == k1) continue;
                float* g = dy + ((long)r * block.Batch + b0) * outPlane;
                for (int m = 0; m < nb; m++)
                    for (int h = 0; h < block.OutH; h++)
                        CopyRun(g + (m * block.OutH + h) * block.OutW, d + m * hpwp + h * block.Wp, block.OutW);
                if (Vector512.IsHardwareAccelerated)
                    for (; k + 8 <= k1; k += 8) Dot8(padded, taps + k, d, run, partial + k);
                for (; k + 4 <= k1; k += 4)
                {
                    sums[0] = sums[1] = sums[2] = sums[3] = Vector256<float>.Zero;
                    DotInto4(padded + taps[k], padded + taps[k + 1], padded + taps[k + 2], padded + taps[k + 3], d, run, sums);
                    for (int q = 0; q < 4; q++) partial[k + q] = Vector256.Sum(sums[q]);
                }
                for (; k < k1; k++)
                {
                    sums[0] = Vector256<float>.Zero;
                    DotInto(padded + taps[k], d, run, sums);
                    partial[k] = Vector256.Sum(sums[0]);
                }
            }
        }
    }

    /// <summary>
    /// output[q] = Σ_{t &lt; n} block[taps[q] + t]·d[t] for q = 0..7: eight weights share each load of d and keep eight
    /// independent vector sums, so the loop is bound by the multiply-adds rather than by loads or their latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot8(float* block, int* taps, float* d, int n, float* output)
    {
        float* x0 = block + taps[0], x1 = block + taps[1], x2 = block + taps[2], x3 = block + taps[3];
        float* x4 = block + taps[4], x5 = block + taps[5], x6 = block + taps[6], x7 = block + taps[7];
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int t = 0;
        for (; t + 16 <= n; t += 16)
        {
            var dv = Vector512.Load(d + t);
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + t), dv, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + t), dv, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + t), dv, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + t), dv, s3);
            s4 = Vector512.FusedMultiplyAdd(Vector512.Load(x4 + t), dv, s4);
            s5 = Vector512.FusedMultiplyAdd(Vector512.Load(x5 + t), dv, s5);
            s6 = Vector512.FusedMultiplyAdd(Vector512.Load(x6 + t), dv, s6);
            s7 = Vector512.FusedMultiplyAdd(Vector512.Load(x7 + t), dv, s7);
        }
        float r0 = Vector512.Sum(s0), r1 = Vector512.Sum(s1), r2 = Vector512.Sum(s2), r3 = Vector512.Sum(s3);
        float r4 = Vector512.Sum(s4), r5 = Vector512.Sum(s5), r6 = Vector512.Sum(s6), r7 = Vector512.Sum(s7);
        for (; t < n; t++)
        {
            float dt = d[t];
            r0 = MathF.FusedMultiplyAdd(x0[t], dt, r0); r1 = MathF.FusedMultiplyAdd(x1[t], dt, r1);
            r2 = MathF.FusedMultiplyAdd(x2[t], dt, r2); r3 = MathF.FusedMultiplyAdd(x3[t], dt, r3);
            r4 = MathF.FusedMultiplyAdd(x4[t], dt, r4); r5 = MathF.FusedMultiplyAdd(x5[t], dt, r5);
            r6 = MathF.FusedMultiplyAdd(x6[t], dt, r6); r7 = MathF.FusedMultiplyAdd(x7[t], dt, r7);
        }
        (output[0], output[1], output[2], output[3], output[4], output[5], output[6], output[7]) = (r0, r1, r2, r3, r4, r5, r6, r7);
    }

    /// <summary>
    /// output[q] = Σ over lines l and their vectors v of dyRows[l·perRow·16 + 16v ..]·block[taps[q] + rowBase[l] + 16v ..],
    /// for q = 0..7: <see cref="Dot8"/> over whole output rows, with dY read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DotLines8(float* block, int* taps, float* dyRows, int* rowBase, int lines, int perRow, float* output)
    {
        float* x0 = block + taps[0], x1 = block + taps[1], x2 = block + taps[2], x3 = block + taps[3];
        float* x4 = block + taps[4], x5 = block + taps[5], x6 = block + taps[6], x7 = block + taps[7];
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int l = 0; l < lines; l++)
        {
            float* d = dyRows + l * perRow * 16;
            for (int v = 0, o = rowBase[l]; v < perRow; v++, o += 16)
            {
                var dv = Vector512.Load(d + 16 * v);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o), dv, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o), dv, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o), dv, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o), dv, s3);
                s4 = Vector512.FusedMultiplyAdd(Vector512.Load(x4 + o), dv, s4);
                s5 = Vector512.FusedMultiplyAdd(Vector512.Load(x5 + o), dv, s5);
                s6 = Vector512.FusedMultiplyAdd(Vector512.Load(x6 + o), dv, s6);
                s7 = Vector512.FusedMultiplyAdd(Vector512.Load(x7 + o), dv, s7);
            }
        }
        (output[0], output[1], output[2], output[3]) = (Vector512.Sum(s0), Vector512.Sum(s1), Vector512.Sum(s2), Vector512.Sum(s3));
        (output[4], output[5], output[6], output[7]) = (Vector512.Sum(s4), Vector512.Sum(s5), Vector512.Sum(s6), Vector512.Sum(s7));
    }

    /// <summary><see cref="DotLines8"/> for four taps (the rest of a short row), two partial sums each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DotLines4(float* block, int* taps, float* dyRows, int* rowBase, int lines, int perRow, float* output)
    {
        float* x0 = block + taps[0], x1 = block + taps[1], x2 = block + taps[2], x3 = block + taps[3];
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        for (int l = 0; l < lines; l++)
        {
            float* d = dyRows + l * perRow * 16;
            int v = 0, o = rowBase[l];
            for (; v + 2 <= perRow; v += 2, o += 32)
            {
                var d0 = Vector512.Load(d + 16 * v);
                var d1 = Vector512.Load(d + 16 * v + 16);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o), d0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o), d0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o), d0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o), d0, s3);
                t0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o + 16), d1, t0);
                t1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o + 16), d1, t1);
                t2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o + 16), d1, t2);
                t3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o + 16), d1, t3);
            }
            if (v < perRow)
            {
                var d0 = Vector512.Load(d + 16 * v);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o), d0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o), d0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o), d0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o), d0, s3);
            }
        }
        (output[0], output[1], output[2], output[3]) = (Vector512.Sum(s0 + t0), Vector512.Sum(s1 + t1), Vector512.Sum(s2 + t2), Vector512.Sum(s3 + t3));
    }

    /// <summary>One tap's <see cref="DotLines8"/>, with two partial sums to halve the multiply-add chain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float DotLines(float* x, float* dyRows, int* rowBase, int lines, int perRow)
    {
        Vector512<float> s0 = default, s1 = default;
        for (int l = 0; l < lines; l++)
        {
            float* d = dyRows + l * perRow * 16, xr = x + rowBase[l];
            int v = 0;
            for (; v + 2 <= perRow; v += 2)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xr + 16 * v), Vector512.Load(d + 16 * v), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(xr + 16 * v + 16), Vector512.Load(d + 16 * v + 16), s1);
            }
            if (v < perRow) s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xr + 16 * v), Vector512.Load(d + 16 * v), s0);
        }
        return Vector512.Sum(s0 + s1);
    }

    /// <summary>Per-thread scratch of the padded kernels, grown on demand and reused (pinned, so raw pointers stay valid).</summary>
    private static unsafe class PaddedScratch
    {
        [ThreadStatic] private static float[]? _block, _rows, _partials, _tapValues;
        [ThreadStatic] private static int[]? _taps, _rowPointers;

        public static float* Block(long floats) => Get(ref _block, floats);

        public static float* Rows(long floats) => Get(ref _rows, floats);

        public static float* Partials(long floats) => Get(ref _partials, floats);

        /// <summary>Decoded taps [count] (offsets into the padded block) and their values, on the calling thread.</summary>
        public static int* Taps(int count, out float* values)
        {
            values = Get(ref _tapValues, Math.Max(count, 1));
            return GetInts(ref _taps, Math.Max(count, 1));
        }

        public static int* RowPointers(int count) => GetInts(ref _rowPointers, count);

        private static float* Get(ref float[]? storage, long floats)
        {
            if (storage is null || storage.Length < floats)
                storage = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(floats, (storage?.Length ?? 0) * 3L / 2)), pinned: true);
            return (float*)Unsafe.AsPointer(ref storage[0]);
        }

        private static int* GetInts(ref int[]? storage, int count)
        {
            if (storage is null || storage.Length < count)
                storage = GC.AllocateUninitializedArray<int>(Math.Max(count, (storage?.Length ?? 0) * 3 / 2), pinned: true);
            return (int*)Unsafe.AsPointer(ref storage[0]);
        }
    }
}
