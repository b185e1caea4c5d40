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
// depend only on the sizes). This file is the blocks, the jobs and their scratch; the loops are in SparseConvPaddedLoops.cs.
// Stride 2 runs on the same blocks and jobs over phase planes (SparseConvPolyphase.cs). For 3×3 windows with padding 1
// on rows of 16·k or 8 floats, the tile jobs read the block as three column-shifted copies instead (Block.ShiftedWhenTiled):
// every tap is a whole-row shift of one copy, so every tile load is aligned, and rows of 8 pair up into 16-float lines.
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

    /// <summary>
    /// The padded block of one convolution over source planes [channels, batch, height, width]: per channel a plane
    /// bordered by (top, bottom, left, right) zeros. With <c>stride</c> s &gt; 1 (polyphase, SparseConvPolyphase.cs) each
    /// source channel c becomes P² phase planes (c, ph, pw) = x[c, ·, s·u + ph, s·v + pw] of (height/s) × (width/s),
    /// each bordered alike, so that a stride-s convolution is a stride-1 one over them; P = s, or 1 when the window
    /// reads only phase (0, 0) (a 1×1 kernel without padding).
    /// </summary>
    private readonly struct Block
    {
        public readonly int Channels, Batch, Height, Width, PadH, PadW, PadBottom, PadRight, Stride, Phases, Hp, Wp, OutH, OutW, PerPart, Parts;

        /// <summary>
        /// Column-shifted copies (1 = the plain block). With k_w copies (<see cref="ShiftedWhenTiled"/>), copy j holds
        /// plane[row, x + j] for x in [0, OutW): the row pitch Wp is OutW, every tap is a whole-row shift of one copy,
        /// and with OutW a multiple of the vector width every tile load is aligned (no load spans two cache lines).
        /// </summary>
        public readonly int Copies;

        public Block(int channels, int batch, int height, int width, int kh, int kw, int ph, int pw, int minPerPart)
            : this(channels, batch, height, width, kh, kw, ph, ph, pw, pw, 1, 1, minPerPart) { }

        public Block(int channels, int batch, int height, int width, int kh, int kw, int top, int bottom, int left, int right, int stride,
            int phases, int minPerPart)
        {
            (Channels, Batch, Height, Width, PadH, PadW, PadBottom, PadRight) = (channels, batch, height, width, top, left, bottom, right);
            (Stride, Phases) = (stride, phases);
            (Hp, Wp) = (height / stride + top + bottom, width / stride + left + right);
            (OutH, OutW) = (Hp - kh + 1, Wp - kw + 1);
            PerPart = Math.Clamp(Math.Max(PaddedBlockFloats / Math.Max(1, Planes * Hp * Wp), minPerPart), 1, batch);
            Parts = (batch + PerPart - 1) / PerPart;
            Copies = 1;
        }

        // The same parts (hence the same sums in the same order) as b, laid out as k_w column-shifted copies.
        private Block(in Block b)
        {
            this = b;
            Copies = b.Wp - b.OutW + 1;
            Wp = b.OutW;
        }

        /// <summary>
        /// This block as column-shifted copies for the jobs that read it by whole lines (<see cref="ShiftedColumnsEnabled"/>,
        /// AVX-512): stride 1, a 3×3 window with one column of padding on each side (the copies are built in registers,
        /// <see cref="FillShifted3"/>), rows of 16·k floats, or of 8 with an even row count (then a line is two rows).
        /// </summary>
        public Block ShiftedWhenTiled() =>
            ShiftedColumnsEnabled && Avx512F.IsSupported && Vector512.IsHardwareAccelerated && Stride == 1 && Phases == 1 && Copies == 1 && Wp - OutW == 2 && PadW == 1 && OutW == Width
            && ((Width % 16 == 0 && ByLines) || (Width == 8 && OutH % 2 == 0 && PerPart * OutH <= 4096)) ? new Block(this) : this;

        /// <summary>Floats of a line of the tile jobs: an output row, or two rows of 8 in a shifted block (pitch 8: they are adjacent).</summary>
        public int LineFloats => Copies > 1 && OutW == 8 ? 16 : OutW;

        /// <summary>Lines per image of the tile jobs.</summary>
        public int LinesPerImage => OutH * OutW / LineFloats;

        /// <summary>Floats of one column-shifted copy (all planes).</summary>
        public long CopyFloats => (long)Planes * ChannelStride;

        /// <summary>Offset of (plane, row, column) in the block: the column selects the copy when shifted.</summary>
        public int Offset(int plane, int row, int col) => Copies > 1
            ? checked((int)(col * CopyFloats)) + plane * ChannelStride + row * Wp
            : plane * ChannelStride + row * Wp + col;

        /// <summary>Planes in the block: the channels, times P² phases.</summary>
        public int Planes => Channels * Phases * Phases;

        /// <summary>
        /// Offset of the forward tap (c, i, j) of a convolution with this block's stride and padding (ph, pw): plane
        /// (c, (i − ph) mod s, (j − pw) mod s), shifted by ⌊(i − ph)/s⌋ + top rows and ⌊(j − pw)/s⌋ + left columns.
        /// </summary>
        public int Tap(int c, int i, int j, int ph, int pw)
        {
            int ai = FloorDiv(i - ph, Stride), aj = FloorDiv(j - pw, Stride);
            int plane = (c * Phases + (i - ph - ai * Stride)) * Phases + (j - pw - aj * Stride);
            return Offset(plane, ai + PadH, aj + PadW);
        }

        /// <summary>rowBase[l] = offset in a channel of the block of line l (image l / LinesPerImage; a line is one row, or two: <see cref="LineFloats"/>).</summary>
        public unsafe void LineBases(int* rowBase, int lines)
        {
            int per = LinesPerImage, rows = LineFloats / OutW;
            for (int l = 0; l < lines; l++) rowBase[l] = l / per * Hp * Wp + l % per * rows * Wp;
        }

        /// <summary>Whether whole output lines fit the register tiles (16·k floats, at most 8 vectors) and a part's lines the stack.</summary>
        public bool ByLines => Vector512.IsHardwareAccelerated && OutW % 16 == 0 && OutW / 16 <= 8 && PerPart * OutH <= 4096;

        /// <summary>Whether output lines are exactly one 8-float vector (8 px images) and a part's lines fit the stack.</summary>
        public bool ByLines8 => Vector512.IsHardwareAccelerated && OutW == 8 && PerPart * OutH <= 4096;

        /// <summary>Floats between two channels in the block.</summary>
        public int ChannelStride => PerPart * Hp * Wp;

        /// <summary>Floats of the block plus the slack a tile may read past it.</summary>
        public long Floats => Copies * CopyFloats + Tile;

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

        /// <summary>
        /// Fills the calling thread's block with part <paramref name="part"/> of <paramref name="src"/> (images [b0, b0 + nb))
        /// and prefetches the part this thread most likely takes next.
        /// </summary>
        public unsafe float* Begin(float* src, int part, out int b0, out int nb)
        {
            b0 = part * PerPart;
            nb = Math.Min(PerPart, Batch - b0);
            // Shifted copies are read with aligned loads: the block starts on a 64-byte boundary.
            float* block = PaddedScratch.Block(Floats + 16);
            if (Copies > 1) block = (float*)(((nint)block + 63) & ~(nint)63);
            Fill(src, block, b0, nb);
            Prefetch(src, part + Parallelism.Threads);
            return block;
        }

        /// <summary>Copies images [b0, b0 + nb) of every channel of <paramref name="src"/> into <paramref name="block"/> with zero borders.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public unsafe void Fill(float* src, float* block, int b0, int nb)
        {
            if (Stride > 1)
            {
                FillPhases(src, block, Channels, Batch, Height, Width, b0, nb, Phases, ChannelStride, Hp, Wp, PadH, PadW);
                return;
            }
            int plane = Height * Width;
            if (Copies > 1)
            {
                FillShifted3(src, block, b0, nb);
                return;
            }
            for (int c = 0; c < Channels; c++)
                for (int m = 0; m < nb; m++)
                {
                    float* s = src + ((long)c * Batch + b0 + m) * plane, d = block + (long)c * ChannelStride + (long)m * Hp * Wp;
                    ClearRun(d, PadH * Wp);
                    d += PadH * Wp;
                    for (int h = 0; h < Height; h++, d += Wp, s += Width)
                    {
                        for (int q = 0; q < PadW; q++) d[q] = 0f;
                        for (int q = PadW + Width; q < Wp; q++) d[q] = 0f;
                        CopyRun(s, d + PadW, Width);
                    }
                    ClearRun(d, PadBottom * Wp);
                }
        }

        // The three column-shifted copies of a 3×3, padding-1 block (see ShiftedWhenTiled): copy j of plane row h is
        // src[h − PadH, x + j − 1] for x in [0, Width), zero outside the plane. Each source vector is loaded once and its
        // three copies are built in registers (valignd with the neighbouring vector or zero); rows of 8 go two at a time,
        // with the lanes that would cross between the two rows zeroed.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private unsafe void FillShifted3(float* src, float* block, int b0, int nb)
        {
            // Two rows of 8 per vector: lanes 0 and 8 (column 0) of copy 0, lanes 7 and 15 (column 7) of copy 2 are zero.
            Vector512<int> firstColumnOff = Vector512.Create(0, -1, -1, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1, -1, -1);
            Vector512<int> lastColumnOff = Vector512.Create(-1, -1, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1, -1, -1, 0);
            int plane = Height * Width, image = Hp * Wp;
            long copy = CopyFloats;
            for (int c = 0; c < Channels; c++)
                for (int m = 0; m < nb; m++)
                {
                    float* s = src + ((long)c * Batch + b0 + m) * plane;
                    float* d = block + (long)c * ChannelStride + (long)m * image;
                    for (int j = 0; j < 3; j++)
                    {
                        ClearRun(d + j * copy, PadH * Wp);
                        ClearRun(d + j * copy + (PadH + Height) * Wp, (Hp - PadH - Height) * Wp);
                    }
                    d += PadH * Wp;
                    if (Width == 8)
                    {
                        for (int x = 0; x < plane; x += 16)
                        {
                            var cur = Vector512.Load(s + x).AsInt32();
                            (Avx512F.AlignRight32(cur, Vector512<int>.Zero, 15) & firstColumnOff).AsSingle().Store(d + x);
                            cur.AsSingle().Store(d + copy + x);
                            (Avx512F.AlignRight32(Vector512<int>.Zero, cur, 1) & lastColumnOff).AsSingle().Store(d + 2 * copy + x);
                        }
                        continue;
                    }
                    for (int h = 0; h < Height; h++, d += Wp, s += Width)
                    {
                        var prev = Vector512<int>.Zero;
                        var cur = Vector512.Load(s).AsInt32();
                        for (int x = 0; x < Width; x += 16)
                        {
                            var next = x + 16 < Width ? Vector512.Load(s + x + 16).AsInt32() : Vector512<int>.Zero;
                            Avx512F.AlignRight32(cur, prev, 15).AsSingle().Store(d + x);                // copy 0: src[x − 1]
                            cur.AsSingle().Store(d + copy + x);                                          // copy 1: src[x]
                            Avx512F.AlignRight32(next, cur, 1).AsSingle().Store(d + 2 * copy + x);       // copy 2: src[x + 1]
                            (prev, cur) = (cur, next);
                        }
                    }
                }
        }
    }

    /// <summary>False keeps every stride-1 block plain (benchmarks and tests compare the two layouts in one process).</summary>
    internal static bool ShiftedColumnsEnabled = true;

    /// <summary>Forward on the padded path (stride 1, or 2 on phase planes): rows = output channels, taps decoded from CSR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PaddedForward(int* ptr, int* idx, float* values, float* x, float* y, in SparseConvGeometry g, bool accumulate)
    {
        var w = g.Window;
        var block = ForwardBlock(g, 1).ShiftedWhenTiled();
        int nnz = ptr[g.OutChannels];
        var taps = PaddedScratch.Taps(nnz, out float* tapValues);
        int kk = w.KernelHeight * w.KernelWidth;
        for (int k = 0; k < nnz; k++)
        {
            int col = idx[k], c = col / kk, rem = col - c * kk, i = rem / w.KernelWidth, j = rem - i * w.KernelWidth;
            (taps[k], tapValues[k]) = (block.Tap(c, i, j, w.PadHeight, w.PadWidth), values[k]);
        }
        Parallelism.For(block.Parts, new PaddedConvJob(ptr, taps, tapValues, x, y, g.OutChannels, block, accumulate));
    }

    /// <summary>Input gradient on the padded path: rows = input channels, taps (output channel, flipped i, j) from the CSC index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PaddedInputGradient(int* cptr, int* ridx, int* perm, float* values, float* dy, float* dx, in SparseConvGeometry g, bool accumulate)
    {
        var block = InputGradientBlock(g, 1).ShiftedWhenTiled();
        int* rowPtr = TransposedTaps(cptr, ridx, perm, values, g, block, out int* taps, out float* tapValues);
        Parallelism.For(block.Parts, new PaddedConvJob(rowPtr, taps, tapValues, dy, dx, g.InChannels, block, accumulate));
    }

    /// <summary>
    /// The input gradient's taps in CSC order into a block of dY: rows = input channels (pointers returned), each live weight
    /// (co, c, i, j) at co·(channel stride) + (k_h − 1 − i)·Wp + (k_w − 1 − j), with its value.
    /// </summary>
    private static unsafe int* TransposedTaps(int* cptr, int* ridx, int* perm, float* values, in SparseConvGeometry g, in Block block,
        out int* taps, out float* tapValues)
    {
        int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth, kk = kh * kw;
        int nnz = cptr[g.FanIn];
        taps = PaddedScratch.Taps(nnz, out tapValues);
        int* rowPtr = PaddedScratch.RowPointers(g.InChannels + 1);
        for (int c = 0; c <= g.InChannels; c++) rowPtr[c] = cptr[c * kk];
        for (int f = 0; f < g.FanIn; f++)
        {
            int rem = f % kk, i = rem / kw, j = rem - i * kw;
            for (int q = cptr[f]; q < cptr[f + 1]; q++)
                (taps[q], tapValues[q]) = (block.Offset(ridx[q], kh - 1 - i, kw - 1 - j), values[perm[q]]);
        }
        return rowPtr;
    }

    /// <summary>Weight gradient at the live weights on the padded path (x padded, or split into phases, as in the forward pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PaddedWeightGradient(int* ptr, int* idx, float* x, float* dy, float* dValues, in SparseConvGeometry g, bool accumulate)
    {
        var w = g.Window;
        int nnz = ptr[g.OutChannels];
        int maxParts = Math.Clamp(PartialsFloats / Math.Max(1, nnz), 1, g.Batch);
        var block = ForwardBlock(g, (g.Batch + maxParts - 1) / maxParts);
        int kk = w.KernelHeight * w.KernelWidth;
        var taps = PaddedScratch.Taps(nnz, out _);
        for (int k = 0; k < nnz; k++)
        {
            int col = idx[k], c = col / kk, rem = col - c * kk, i = rem / w.KernelWidth, j = rem - i * w.KernelWidth;
            taps[k] = block.Tap(c, i, j, w.PadHeight, w.PadWidth);
        }
        float* partials = PaddedScratch.Partials((long)block.Parts * nnz);
        Parallelism.For(block.Parts, new PaddedWeightJob(ptr, taps, x, dy, partials, g.OutChannels, nnz, block));
        SumPartials(partials, block.Parts, nnz, null, dValues, accumulate);
    }

    /// <summary>out[r, images of the part] (=|+=) Σ over row r's taps of value·(padded block shifted by the tap).</summary>
    private readonly unsafe struct PaddedConvJob(int* rowPtr, int* taps, float* tapValues, float* src, float* dst, int rows, Block block, bool accumulate)
        : IParallelJob
    {
        [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: few calls per step
        public void Execute(int part)
        {
            float* padded = block.Begin(src, part, out int b0, out int nb);
            int run = block.Run(nb), hpwp = block.Hp * block.Wp, outPlane = block.OutH * block.OutW;
            int outW = block.OutW, perRow = block.LineFloats / 16, lines = nb * block.LinesPerImage;
            bool byRows = block.Copies > 1 || (Vector512.IsHardwareAccelerated && outW % 16 == 0 && perRow <= 8 && lines <= 4096);
            // Output rows whole: a tile is 8 / perRow output rows (each perRow vectors), and out[r] for the part's
            // images is one contiguous run of lines·outW floats, so the registers go straight to it.
            int* rowBase = stackalloc int[byRows ? lines : 0];
            if (byRows) block.LineBases(rowBase, lines);
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
                    TileAllLines(padded, taps, tapValues, k0, k1, rowBase, lines, perRow, o, accumulate);
                    continue;
                }
                for (int t = 0; t < run; t += Tile) TileRow(padded + t, taps, tapValues, k0, k1, acc + t);
                for (int m = 0; m < nb; m++)
                    for (int h = 0; h < block.OutH; h++)
                        CopyOrAddRun(acc + m * hpwp + h * block.Wp, o + (m * block.OutH + h) * block.OutW, block.OutW, accumulate);
            }
        }
    }

    /// <summary>partials[part·nnz + k] = Σ over the part's positions of dY[row of k]·(padded x shifted by tap k).</summary>
    private readonly unsafe struct PaddedWeightJob(int* ptr, int* taps, float* x, float* dy, float* partials, int rows, int nnz, Block block) : IParallelJob
    {
        [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: few calls per step
        public void Execute(int part)
        {
            float* padded = block.Begin(x, part, out int b0, out int nb);
            block.Prefetch(dy, rows, block.OutH * block.OutW, part + Parallelism.Threads);
            int run = block.Run(nb), hpwp = block.Hp * block.Wp, outPlane = block.OutH * block.OutW;
            float* partial = partials + (long)part * nnz;
            int outW = block.OutW, lines = nb * block.OutH;
            if (Vector512.IsHardwareAccelerated && outW % 16 == 0 && lines <= 4096)
            {
                // Output rows whole: dY's rows of the part are read where they are, against each tap's rows of the
                // block; no copy of dY and no border positions.
                int* rowBase = stackalloc int[lines];
                block.LineBases(rowBase, lines);
                for (int r = 0; r < rows; r++)
                    DotAllLines(padded, taps, ptr[r], ptr[r + 1], dy + ((long)r * block.Batch + b0) * outPlane, rowBase, lines, outW / 16, partial);
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

    /// <summary>Per-thread scratch of the padded kernels, grown on demand and reused (pinned, so raw pointers stay valid).</summary>
    private static unsafe class PaddedScratch
    {
        [ThreadStatic] private static float[]? _block, _rows, _partials, _tapValues, _phasesX, _phasesDx;
        [ThreadStatic] private static int[]? _taps, _rowPointers, _tapPermutation;

        public static float* Block(long floats) => Get(ref _block, floats);

        /// <summary>A part's phase planes of X and of dX (polyphase backward).</summary>
        public static float* PhasesX(long floats) => Get(ref _phasesX, floats);

        public static float* PhasesDx(long floats) => Get(ref _phasesDx, floats);

        public static int* TapPermutation(int count) => GetInts(ref _tapPermutation, Math.Max(count, 1));

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
