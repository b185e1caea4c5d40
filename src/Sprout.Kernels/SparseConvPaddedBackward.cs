// Stride-1 sparse convolution backward with dX and dW from one padded block of dY. The input gradient convolves dY,
// padded by k − 1 − p, with the flipped, transposed weight: dX[c, line] = Σ_q value_q·dYpad[tap_q + line], over the live
// weights q = (co, c, i, j) of input channel c (CSC order), tap_q = co·(channel stride) + (k_h − 1 − i)·Wp + (k_w − 1 − j).
// The weight gradient of the same q is Σ_lines X[c, line]·dYpad[tap_q + line]: the same taps into the same block,
// dotted with X's rows read in place. So each part fills one block (dY) instead of two (dY for dX, X for dW), and
// every block vector a tile loads feeds both dX's multiply-add and dW's, with the tile of X held in registers (the
// separate kernels spend one load per multiply-add). dW's sums are one vector per tap for the part, reduced at its
// end. Taken when whole input rows fit the register tiles (width 16·k with 512-bit vectors, width 8 with 256-bit ones,
// on AVX-512 hardware for its 32 vector registers); otherwise dX and dW run as their own kernels (SparseConvPadded.cs).
// Stride 2 runs the same job over phase planes (SparseConvPolyphase.cs): rows are dX's phase planes, X's part is split
// into phases first and dX's are interleaved back at the end.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>Whether <see cref="PaddedBackward"/> takes this geometry (stride 1, or stride 2 on phase planes).</summary>
    private static bool FusedBackwardPath(in SparseConvGeometry g) =>
        (PaddedPath(g) && InputGradientBlock(g, 1) is { } b && (b.ByLines || b.ByLines8))
        || (PolyphasePath(g) && PolyphaseGradientBlock(g, 1) is { } p && (p.ByLines || p.ByLines8));

    // The block of dY for the input gradient: dX's lines are its output lines (OutH = H, OutW = W at stride 1).
    private static Block InputGradientBlock(in SparseConvGeometry g, int minPerPart)
    {
        var w = g.Window;
        return new Block(g.OutChannels, g.Batch, g.OutputHeight, g.OutputWidth, w.KernelHeight, w.KernelWidth,
            w.KernelHeight - 1 - w.PadHeight, w.KernelWidth - 1 - w.PadWidth, minPerPart);
    }

    /// <summary>
    /// dX (=|+=) and dValues (=|+=) together on the padded path; dValues in CSR order through the CSC permutation. False
    /// (nothing done) when a stride-2 layer's parts would hold more images than the tiles allow (very many weights).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe bool PaddedBackward(int* ptr, int* idx, int* cptr, int* ridx, int* perm, float* values, float* x, float* dy,
        float* dx, float* dValues, in SparseConvGeometry g, bool accumulateInput, bool accumulateWeight)
    {
        int nnz = cptr[g.FanIn];
        int maxParts = Math.Clamp(PartialsFloats / Math.Max(1, nnz), 1, g.Batch);
        bool phases = g.Window.StrideHeight > 1;
        var block = phases ? PolyphaseGradientBlock(g, (g.Batch + maxParts - 1) / maxParts) : InputGradientBlock(g, (g.Batch + maxParts - 1) / maxParts);
        if (!block.ByLines && !block.ByLines8)
        {
            if (phases) return false;
            // More images per part than the tiles allow (very many weights): the two kernels on their own.
            PaddedInputGradient(cptr, ridx, perm, values, dy, dx, g, accumulateInput);
            PaddedWeightGradient(ptr, idx, x, dy, dValues, g, accumulateWeight);
            return true;
        }
        if (!phases) block = block.ShiftedWhenTiled();
        int* rowPtr, taps, tapPerm = perm;
        float* tapValues;
        if (phases) rowPtr = PolyphaseTransposedTaps(cptr, ridx, perm, values, g, block, out taps, out tapValues, out tapPerm);
        else rowPtr = TransposedTaps(cptr, ridx, perm, values, g, block, out taps, out tapValues);
        float* partials = PaddedScratch.Partials((long)block.Parts * nnz);
        int sides = phases ? PhasesPerSide(g) : 1;
        Parallelism.For(block.Parts, new PaddedBackwardJob(rowPtr, taps, tapValues, dy, x, dx, partials, sides * sides * g.InChannels,
            nnz, block, accumulateInput, g));
        SumPartials(partials, block.Parts, nnz, tapPerm, dValues, accumulateWeight);
        return true;
    }

    /// <summary>dValues[perm[q]] (=|+=) Σ over parts of partials[part·nnz + q], parts in order (the same sum for any thread count).</summary>
    private static unsafe void SumPartials(float* partials, int parts, int nnz, int* perm, float* dValues, bool accumulate)
    {
        for (int q = 0; q < nnz; q++)
        {
            float sum = 0f;
            for (int p = 0; p < parts; p++) sum += partials[(long)p * nnz + q];
            int k = perm is null ? q : perm[q];
            dValues[k] = accumulate ? dValues[k] + sum : sum;
        }
    }

    /// <summary>
    /// Per input channel (or, at stride 2, per phase plane of one) of a part: dX's lines as register tiles over the
    /// channel's taps, then dW of those taps against X's lines. At stride 2 X's part is split into phase planes first
    /// and dX's phase planes are interleaved into dX at the end.
    /// </summary>
    private readonly unsafe struct PaddedBackwardJob(int* rowPtr, int* taps, float* tapValues, float* dy, float* x, float* dx, float* partials,
        int rows, int nnz, Block block, bool accumulate, SparseConvGeometry g) : IParallelJob
    {
        [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)] // fully optimized from the first call: few calls per step
        public void Execute(int part)
        {
            float* padded = block.Begin(dy, part, out int b0, out int nb);
            block.Prefetch(x, g.InChannels, g.Height * g.Width, part + Parallelism.Threads);
            int perRow = block.LineFloats / 16, lines = nb * block.LinesPerImage, outPlane = block.OutH * block.OutW;
            int* rowBase = stackalloc int[lines];
            block.LineBases(rowBase, lines);
            float* partial = partials + (long)part * nnz;
            // Row r's lines of the part in X and dX: in place at stride 1, in the part's phase planes at stride 2.
            float* xs = x + (long)b0 * outPlane, dxs = dx + (long)b0 * outPlane;
            long rowStride = (long)block.Batch * outPlane;
            bool phases = g.Window.StrideHeight > 1;
            if (phases)
            {
                rowStride = (long)nb * outPlane;
                xs = PaddedScratch.PhasesX(rows * rowStride);
                dxs = PaddedScratch.PhasesDx(rows * rowStride);
                FillPhases(x, xs, g.InChannels, g.Batch, g.Height, g.Width, b0, nb, PhasesPerSide(g), rowStride, block.OutH, block.OutW, 0, 0);
            }
            bool overwrite = phases || !accumulate;
            if (perRow == 0) Tiles<Vector256<float>, V256>(padded, rowBase, xs, dxs, rowStride, nb, lines, 1, partial, overwrite); // 8 px lines: one 256-bit vector each
            else Tiles<Vector512<float>, V512>(padded, rowBase, xs, dxs, rowStride, nb, lines, perRow, partial, overwrite);
            if (phases) InterleavePhases(dxs, dx, g.InChannels, g.Batch, g.Height, g.Width, b0, nb, PhasesPerSide(g), accumulate);
        }

        // Every input channel's lines in tiles of eight vectors; one vector sum per tap for the part, reduced into partial.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tiles<TV, V>(float* padded, int* rowBase, float* xs, float* dxs, long rowStride, int nb, int lines, int perRow, float* partial,
            bool overwrite) where TV : struct where V : ISimd<TV>
        {
            int outPlane = block.OutH * block.OutW, tileLines = 8 / perRow, width = V.Count;
            float* sums = PaddedScratch.Rows((long)width * nnz + width);
            new Span<float>(sums, width * nnz).Clear();
            for (int r = 0; r < rows; r++)
            {
                int k0 = rowPtr[r], k1 = rowPtr[r + 1];
                long at = r * rowStride; // row r's lines of the part, in dX and in X
                if (k0 == k1)
                {
                    if (overwrite) new Span<float>(dxs + at, nb * outPlane).Clear();
                    continue;
                }
                for (int l = 0; l < lines; l += tileLines)
                {
                    long o = at + (long)l * perRow * width;
                    TileBoth<TV, V>(padded, taps, tapValues, k0, k1, rowBase + l, Math.Min(tileLines, lines - l), perRow, xs + o, dxs + o, sums, !overwrite);
                }
            }
            for (int k = 0; k < nnz; k++) partial[k] = V.Sum(V.Load(ref sums[k * width], 0));
        }
    }

    /// <summary>
    /// One tile of eight vectors (n lines of perRow vectors of V.Count floats) of an input channel, over its taps k in
    /// [k0, k1): dx (=|+=) Σ_k values[k]·b_k and sums[k] += Σ_vectors b_k·x, where b_k is the tile read at src + taps[k].
    /// Each block vector loaded feeds two multiply-adds (dX's and dW's), with the tile of X in registers; vectors past
    /// the tile's lines read line 0 and meet a zero X, and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileBoth<TV, V>(float* src, int* taps, float* values, int k0, int k1, int* rowBase, int n, int perRow,
        float* x, float* dx, float* sums, bool accumulate) where TV : struct where V : ISimd<TV>
    {
        int stored = n * perRow, width = V.Count;
        int o0 = O(0), o1 = O(1), o2 = O(2), o3 = O(3), o4 = O(4), o5 = O(5), o6 = O(6), o7 = O(7);
        TV x0 = X(0), x1 = X(1), x2 = X(2), x3 = X(3), x4 = X(4), x5 = X(5), x6 = X(6), x7 = X(7);
        TV zero = V.Splat(0f);
        TV a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
        for (int k = k0; k < k1; k++)
        {
            var v = V.Splat(values[k]);
            float* p = src + taps[k];
            var b0 = V.Load(ref p[o0], 0);
            var b1 = V.Load(ref p[o1], 0);
            var b2 = V.Load(ref p[o2], 0);
            var b3 = V.Load(ref p[o3], 0);
            var b4 = V.Load(ref p[o4], 0);
            var b5 = V.Load(ref p[o5], 0);
            var b6 = V.Load(ref p[o6], 0);
            var b7 = V.Load(ref p[o7], 0);
            a0 = V.MultiplyAdd(v, b0, a0);
            a1 = V.MultiplyAdd(v, b1, a1);
            a2 = V.MultiplyAdd(v, b2, a2);
            a3 = V.MultiplyAdd(v, b3, a3);
            a4 = V.MultiplyAdd(v, b4, a4);
            a5 = V.MultiplyAdd(v, b5, a5);
            a6 = V.MultiplyAdd(v, b6, a6);
            a7 = V.MultiplyAdd(v, b7, a7);
            // Two chains of four: the next tap's chains overlap these, so latency does not bind.
            var s = V.MultiplyAdd(b1, x1, V.Mul(b0, x0));
            var t = V.MultiplyAdd(b5, x5, V.Mul(b4, x4));
            s = V.MultiplyAdd(b2, x2, s);
            t = V.MultiplyAdd(b6, x6, t);
            s = V.MultiplyAdd(b3, x3, s);
            t = V.MultiplyAdd(b7, x7, t);
            ref float sum = ref sums[k * width];
            V.Store(V.Add(V.Load(ref sum, 0), V.Add(s, t)), ref sum, 0);
        }
        Put(a0, 0); Put(a1, 1); Put(a2, 2); Put(a3, 3); Put(a4, 4); Put(a5, 5); Put(a6, 6); Put(a7, 7);

        int O(int q)
        {
            int line = q / perRow;
            return (line < n ? rowBase[line] : rowBase[0]) + (q - line * perRow) * width;
        }

        TV X(int q) => q < stored ? V.Load(ref x[width * q], 0) : V.Splat(0f);

        void Put(TV a, int q)
        {
            if (q >= stored) return;
            ref float d = ref dx[width * q];
            V.Store(accumulate ? V.Add(a, V.Load(ref d, 0)) : a, ref d, 0);
        }
    }
}
