// The loops of the direct sparse convolution's forward pass and input gradient (no im2col buffer).
//
// Forward, for one output channel co, one image b and a block of output rows: every live weight (c, i, j) adds
// v·X[c, b, oh·s − p + i, ·] for all the block's rows its tap i keeps inside the image — with stride 1 one contiguous
// run of whole input rows, so one long unmasked AXPY — into an accumulator F_j kept per kernel column j
// ([rows × W], in L1). The output rows are then Σ_j F_j shifted by j − p horizontally (every s-th column for stride s).
// When the output is as wide as the input (stride 1, "same" padding) that shift is one flat pass over the block with
// a per-j column mask; otherwise it is done row by row. Input gradient is the mirror image per input channel, over
// the transposed (CSC) index: G_j [rows × OW] accumulates v·dY rows, and the dX rows get Σ_j G_j shifted by p − j.
// Nonzeros at the same kernel position (i, j) share their rows' range and accumulator, so they go four at a time
// (Axpy4: one load and store of the accumulator per four multiply-adds; a single AXPY is bound by that store). The
// forward sorts each row's nonzeros by position (a stable counting sort); CSC order already is by position.
// Loop order: a group of rows (up to Chunk decoded nonzeros) is held while the batch is walked image by image, so one
// image's input planes stay in cache for the whole group. Each thread owns whole output channels (forward) or whole
// input channels (backward).
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>Nonzeros decoded at a time (stack buffers); a longer row is done in several passes that accumulate.</summary>
    internal const int Chunk = 256;

    /// <summary>Floats of one accumulator set (kw rows-blocks): ~24 KB, so it stays in L1 next to the operands' rows.</summary>
    private const int BlockFloats = 6144;

    /// <summary>Image rows per block for accumulators of kw × rows × rowLength floats.</summary>
    internal static int BlockRows(int kw, int rowLength, int rows) => Math.Clamp(BlockFloats / (kw * rowLength), 1, rows);

    /// <summary>Whether the horizontal shift can run flat over a block: stride 1 and output width = input width.</summary>
    private static bool Flat(in SparseConvGeometry g) => g.Window.StrideWidth == 1 && g.OutputWidth == g.Width;

    /// <summary>
    /// Masks for the flat shift over a block of <paramref name="rows"/> rows of <paramref name="width"/>: forward keeps
    /// t where (t mod width) − p + j is a column of the input (sign −1), backward where (t mod width) + p − j is (sign +1).
    /// </summary>
    private static unsafe void BuildMasks(float* masks, int kw, int rows, int width, int pad, int sign)
    {
        for (int j = 0; j < kw; j++)
            for (int t = 0; t < rows * width; t++)
            {
                int col = t % width + sign * (pad - j);
                masks[j * rows * width + t] = (uint)col < (uint)width ? Keep : 0f;
            }
    }

    /// <summary>Forward for output channels [r0, r1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardRows(int* ptr, int* idx, float* values, float* x, float* y, in SparseConvGeometry g, int r0, int r1, bool accumulate)
    {
        int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth, kk = kh * kw;
        int sh = g.Window.StrideHeight, sw = g.Window.StrideWidth, ph = g.Window.PadHeight, pw = g.Window.PadWidth;
        int H = g.Height, W = g.Width, OH = g.OutputHeight, OW = g.OutputWidth, B = g.Batch;
        long hw = (long)H * W, plane = B * hw, ohw = (long)OH * OW, oplane = B * ohw;
        int R = BlockRows(kw, W, OH), fsz = R * W;
        bool flat = Flat(g);
        float* fMem = stackalloc float[kw * fsz + 2 * kw];
        new Span<float>(fMem, kw * fsz + 2 * kw).Clear();
        float* f = fMem + kw; // kw zeros either side: the flat shift reads up to kw − 1 floats beyond the accumulators
        float* masks = stackalloc float[flat ? kw * R * OW : 0];
        if (flat) BuildMasks(masks, kw, R, OW, pw, -1);
        int* first = stackalloc int[kh], end = stackalloc int[kh];
        for (int i = 0; i < kh; i++) (first[i], end[i]) = g.Window.ValidRange(i, ph, sh, H, OH);
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk], segRow = stackalloc int[Chunk], segE = stackalloc int[Chunk + 1];
        bool* segAdd = stackalloc bool[Chunk];
        float* val = stackalloc float[Chunk];
        int* bucket = stackalloc int[kk + 1];

        int co = r0, q = ptr[r0];
        while (co < r1)
        {
            // A group: whole rows up to Chunk nonzeros, or Chunk nonzeros of one longer row (continued in the next group).
            int nseg = 0, n = 0;
            segE[0] = 0;
            while (co < r1 && nseg < Chunk)
            {
                int rowEnd = ptr[co + 1], take = Math.Min(rowEnd - q, Chunk - n);
                if (take < rowEnd - q && n > 0) break; // split only rows longer than Chunk, at multiples of Chunk: the same sums whatever the thread's range
                (segRow[nseg], segAdd[nseg]) = (co, accumulate || q > ptr[co]);
                // Counting sort by kernel position (i, j), stable: nonzeros sharing a position share their input rows'
                // range and accumulator, so the loop below takes them four at a time.
                new Span<int>(bucket, kk + 1).Clear();
                for (int t = 0; t < take; t++) bucket[idx[q + t] % kk + 1]++;
                for (int k = 0; k < kk; k++) bucket[k + 1] += bucket[k];
                for (int t = 0; t < take; t++, q++)
                {
                    int col = idx[q], c = col / kk, rem = col - c * kk, i = rem / kw, e = n + bucket[rem]++;
                    (off[e], ti[e], tj[e], val[e]) = ((nint)(c * plane + (long)i * W), i, rem - i * kw, values[q]);
                }
                n += take;
                segE[++nseg] = n;
                if (q < rowEnd) break; // chunk full mid-row
                co++;
            }
            for (int b = 0; b < B; b++)
                for (int s = 0; s < nseg; s++)
                {
                    float* yPlane = y + segRow[s] * oplane + b * ohw;
                    int e0 = segE[s], e1 = segE[s + 1];
                    bool add = segAdd[s];
                    if (e0 == e1)
                    {
                        if (!add) new Span<float>(yPlane, (int)ohw).Clear();
                        continue;
                    }
                    float* xb = x + b * hw;
                    for (int oh0 = 0; oh0 < OH; oh0 += R)
                    {
                        int rr = Math.Min(R, OH - oh0);
                        new Span<float>(f, kw * fsz).Clear();
                        for (int e = e0; e < e1;)
                        {
                            int i = ti[e], j = tj[e], run = e + 1;
                            while (run < e1 && ti[run] == i && tj[run] == j) run++;
                            int a = Math.Max(first[i], oh0), z = Math.Min(end[i], oh0 + rr);
                            if (a >= z) { e = run; continue; }
                            nint rowOff = (nint)(a * sh - ph) * W;
                            float* dst = f + j * fsz + (a - oh0) * W;
                            if (sh == 1)
                            {
                                int len = (z - a) * W;
                                for (; e + 4 <= run; e += 4)
                                    Axpy4(val + e, xb + off[e] + rowOff, xb + off[e + 1] + rowOff, xb + off[e + 2] + rowOff, xb + off[e + 3] + rowOff, dst, len);
                                for (; e < run; e++) Axpy(val[e], xb + off[e] + rowOff, dst, len);
                            }
                            else
                            {
                                for (; e + 4 <= run; e += 4)
                                    for (int k = a; k < z; k++)
                                    {
                                        nint r = rowOff + (nint)(k - a) * sh * W;
                                        Axpy4(val + e, xb + off[e] + r, xb + off[e + 1] + r, xb + off[e + 2] + r, xb + off[e + 3] + r, dst + (k - a) * W, W);
                                    }
                                for (; e < run; e++)
                                {
                                    float* src = xb + off[e] + rowOff, d = dst;
                                    for (int k = a; k < z; k++, src += sh * W, d += W) Axpy(val[e], src, d, W);
                                }
                            }
                        }
                        float* yb = yPlane + (long)oh0 * OW;
                        if (flat)
                            for (int j = 0; j < kw; j++) MaskedAdd(f + j * fsz - pw + j, masks + j * R * OW, yb, rr * OW, add || j > 0);
                        else
                            for (int r = 0; r < rr; r++)
                            {
                                float* yr = yb + r * OW;
                                if (!add) new Span<float>(yr, OW).Clear();
                                for (int j = 0; j < kw; j++)
                                {
                                    float* fr = f + j * fsz + r * W;
                                    var (ow0, ow1) = g.Window.ValidRange(j, pw, sw, W, OW);
                                    if (sw == 1) CopyOrAdd(fr + ow0 - pw + j, yr + ow0, ow1 - ow0, add: true);
                                    else if (sw == 2) AddEven(fr + 2 * ow0 - pw + j, yr + ow0, ow1 - ow0);
                                    else for (int ow = ow0; ow < ow1; ow++) yr[ow] += fr[ow * sw - pw + j];
                                }
                            }
                    }
                }
        }
    }

    /// <summary>Input gradient for input channels [c0, c1), through the CSC index (column pointers, row indices, permutation).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void InputGradientChannels(int* cptr, int* ridx, int* perm, float* values, float* dy, float* dx,
        in SparseConvGeometry g, int c0, int c1, bool accumulate)
    {
        int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth, kk = kh * kw;
        int sh = g.Window.StrideHeight, sw = g.Window.StrideWidth, ph = g.Window.PadHeight, pw = g.Window.PadWidth;
        int H = g.Height, W = g.Width, OH = g.OutputHeight, OW = g.OutputWidth, B = g.Batch;
        long hw = (long)H * W, plane = B * hw, ohw = (long)OH * OW, oplane = B * ohw;
        int R = BlockRows(kw, OW, H), gsz = R * OW;
        bool flat = Flat(g);
        float* gMem = stackalloc float[kw * gsz + 2 * kw];
        new Span<float>(gMem, kw * gsz + 2 * kw).Clear();
        float* gj = gMem + kw;
        float* masks = stackalloc float[flat ? kw * R * W : 0];
        if (flat) BuildMasks(masks, kw, R, W, pw, +1);
        int* ohA = stackalloc int[kh], ohZ = stackalloc int[kh];
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk], segRow = stackalloc int[Chunk], segE = stackalloc int[Chunk + 1];
        bool* segAdd = stackalloc bool[Chunk];
        float* val = stackalloc float[Chunk];

        int c = c0, q = cptr[c0 * kk];
        while (c < c1)
        {
            int nseg = 0, n = 0;
            segE[0] = 0;
            while (c < c1 && nseg < Chunk)
            {
                int chEnd = cptr[(c + 1) * kk], take = Math.Min(chEnd - q, Chunk - n), k = c * kk;
                if (take < chEnd - q && n > 0) break; // as in the forward pass: split points independent of the thread's range
                (segRow[nseg], segAdd[nseg]) = (c, accumulate || q > cptr[c * kk]);
                for (int e = n; e < n + take; e++, q++)
                {
                    while (cptr[k + 1] <= q) k++;
                    int rem = k - c * kk, i = rem / kw;
                    (off[e], ti[e], tj[e], val[e]) = ((nint)(ridx[q] * oplane), i, rem - i * kw, values[perm[q]]);
                }
                n += take;
                segE[++nseg] = n;
                if (q < chEnd) break;
                c++;
            }
            for (int b = 0; b < B; b++)
                for (int s = 0; s < nseg; s++)
                {
                    float* dxPlane = dx + segRow[s] * plane + b * hw;
                    int e0 = segE[s], e1 = segE[s + 1];
                    bool add = segAdd[s];
                    if (e0 == e1)
                    {
                        if (!add) new Span<float>(dxPlane, (int)hw).Clear();
                        continue;
                    }
                    float* dyb = dy + b * ohw;
                    for (int ih0 = 0; ih0 < H; ih0 += R)
                    {
                        int rr = Math.Min(R, H - ih0);
                        // Output rows oh whose tap i lands in this block: ih = oh·sh − ph + i in [ih0, ih0 + rr).
                        for (int i = 0; i < kh; i++)
                        {
                            int lo = ih0 + ph - i, hi = ih0 + rr + ph - i; // oh·sh in [lo, hi)
                            ohA[i] = Math.Max(0, lo <= 0 ? 0 : (lo + sh - 1) / sh);
                            ohZ[i] = Math.Min(OH, hi <= 0 ? 0 : (hi + sh - 1) / sh);
                        }
                        new Span<float>(gj, kw * gsz).Clear();
                        // CSC order is by column, i.e. by kernel position (i, j): runs of one position share their rows.
                        for (int e = e0; e < e1;)
                        {
                            int i = ti[e], j = tj[e], run = e + 1;
                            while (run < e1 && ti[run] == i && tj[run] == j) run++;
                            int a = ohA[i], z = ohZ[i];
                            if (a >= z) { e = run; continue; }
                            nint rowOff = (nint)a * OW;
                            float* dst = gj + j * gsz + (a * sh - ph + i - ih0) * OW;
                            if (sh == 1)
                            {
                                int len = (z - a) * OW;
                                for (; e + 4 <= run; e += 4)
                                    Axpy4(val + e, dyb + off[e] + rowOff, dyb + off[e + 1] + rowOff, dyb + off[e + 2] + rowOff, dyb + off[e + 3] + rowOff, dst, len);
                                for (; e < run; e++) Axpy(val[e], dyb + off[e] + rowOff, dst, len);
                            }
                            else
                            {
                                for (; e + 4 <= run; e += 4)
                                    for (int o = a; o < z; o++)
                                    {
                                        nint r = rowOff + (nint)(o - a) * OW;
                                        Axpy4(val + e, dyb + off[e] + r, dyb + off[e + 1] + r, dyb + off[e + 2] + r, dyb + off[e + 3] + r, dst + (o - a) * sh * OW, OW);
                                    }
                                for (; e < run; e++)
                                {
                                    float* src = dyb + off[e] + rowOff, d = dst;
                                    for (int o = a; o < z; o++, src += OW, d += sh * OW) Axpy(val[e], src, d, OW);
                                }
                            }
                        }
                        float* dxb = dxPlane + (long)ih0 * W;
                        if (flat)
                            for (int j = 0; j < kw; j++) MaskedAdd(gj + j * gsz + pw - j, masks + j * R * W, dxb, rr * W, add || j > 0);
                        else
                            for (int r = 0; r < rr; r++)
                            {
                                float* dxr = dxb + r * W;
                                if (!add) new Span<float>(dxr, W).Clear();
                                for (int j = 0; j < kw; j++)
                                {
                                    float* gr = gj + j * gsz + r * OW;
                                    var (ow0, ow1) = g.Window.ValidRange(j, pw, sw, W, OW);
                                    if (sw == 1) CopyOrAdd(gr + ow0, dxr + ow0 - pw + j, ow1 - ow0, add: true);
                                    else if (sw == 2) AddSpread2(gr + ow0, dxr + 2 * ow0 - pw + j, ow1 - ow0, room: W - (2 * ow0 - pw + j));
                                    else for (int ow = ow0; ow < ow1; ow++) dxr[ow * sw - pw + j] += gr[ow];
                                }
                            }
                    }
                }
        }
    }
}
