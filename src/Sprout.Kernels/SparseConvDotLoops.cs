// The loops of the direct sparse convolution's weight gradients: at the live weights (dW[nnz]), at arbitrary
// positions (growth candidates) and for whole dense rows (RigL's streaming gradient), all without im2col.
// The gradient of weight (co, c, i, j) is Σ_{b, oh, ow} dY[co, b, oh, ow]·X[c, b, oh·s − p + i, ow·s − p + j]. For one
// output channel, image and block of output rows, dY is first spread into D_j [rows × W] per kernel column j —
// D_j[oh, iw] = dY[oh, ow] where iw = ow·s − p + j, else 0 (a masked flat shift when stride 1 keeps the width) — and
// each weight's term is then one unmasked dot product of a contiguous run of whole input rows with D_j: the zeros
// take the padding and the stride. Partial sums stay 8 lanes wide per weight over the batch and are summed
// horizontally once at the end. Groups of up to Chunk weights share a walk over the batch, as in the forward pass,
// and within a row segment weights are sorted by kernel position so that four at a time share each D_j load.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>Decodes weight column <paramref name="col"/> into its input offset (channel plane + kernel row) and (i, j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Decode(int col, in SparseConvGeometry g, out nint offset, out int i, out int j)
    {
        int kw = g.Window.KernelWidth, kk = g.Window.KernelHeight * kw;
        int c = col / kk, rem = col - c * kk;
        i = rem / kw;
        j = rem - i * kw;
        offset = (nint)(c * ((long)g.Batch * g.Height * g.Width) + (long)i * g.Width);
    }

    /// <summary>Stack scratch of the gradient loops: decoded weights, segments, accumulators, D_j rows and masks.</summary>
    internal unsafe ref struct DotScratch
    {
        public nint* Off, TmpOff;
        public int* Ti, Tj, Slot, SegRow, SegE, TmpKey, TmpSlot, Bucket;
        public Vector256<float>* Acc;
        public float* D, DyRow, Masks;
        public int* First, End;
        public int R;
        public bool Flat;
    }

    /// <summary>
    /// For segments s (rows segRow[s], decoded weights [segE[s], segE[s+1])): output[e] (=|+=) ∂L/∂W of weight e,
    /// summed over every image and output row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void DotGroup(float* x, float* dy, in SparseConvGeometry g, ref DotScratch sc, int nseg, float* output, bool accumulate)
    {
        int kw = g.Window.KernelWidth, sh = g.Window.StrideHeight, sw = g.Window.StrideWidth, ph = g.Window.PadHeight, pw = g.Window.PadWidth;
        int H = g.Height, W = g.Width, OH = g.OutputHeight, OW = g.OutputWidth, B = g.Batch, R = sc.R, dsz = R * W;
        long hw = (long)H * W, ohw = (long)OH * OW, oplane = B * ohw;
        int n = sc.SegE[nseg];
        for (int s = 0; s < nseg; s++) SortByPosition(ref sc, sc.SegE[s], sc.SegE[s + 1], g.Window.KernelHeight, kw);
        for (int e = 0; e < n; e++) sc.Acc[e] = Vector256<float>.Zero;
        for (int b = 0; b < B; b++)
            for (int s = 0; s < nseg; s++)
            {
                int e0 = sc.SegE[s], e1 = sc.SegE[s + 1];
                if (e0 == e1) continue;
                float* dyPlane = dy + sc.SegRow[s] * oplane + b * ohw, xb = x + b * hw;
                for (int oh0 = 0; oh0 < OH; oh0 += R)
                {
                    int rr = Math.Min(R, OH - oh0);
                    float* dyb = dyPlane + (long)oh0 * OW;
                    if (sc.Flat)
                    {
                        // D_j flat[t] = dY flat[t + p − j], masked to the row; dY is copied first into a zero-margined row
                        // so the shifted reads never leave the scratch.
                        new ReadOnlySpan<float>(dyb, rr * OW).CopyTo(new Span<float>(sc.DyRow, rr * OW));
                        for (int j = 0; j < kw; j++) MaskedAdd(sc.DyRow + pw - j, sc.Masks + j * R * W, sc.D + j * dsz, rr * W, add: false);
                    }
                    else
                    {
                        new Span<float>(sc.D, kw * dsz).Clear();
                        for (int j = 0; j < kw; j++)
                        {
                            var (ow0, ow1) = g.Window.ValidRange(j, pw, sw, W, OW);
                            for (int r = 0; r < rr; r++)
                            {
                                float* dr = sc.D + j * dsz + r * W, yr = dyb + r * OW;
                                if (sw == 2) AddSpread2(yr + ow0, dr + 2 * ow0 - pw + j, ow1 - ow0, room: W - (2 * ow0 - pw + j)); // D was cleared
                                else if (sw == 1) new ReadOnlySpan<float>(yr + ow0, ow1 - ow0).CopyTo(new Span<float>(dr + ow0 - pw + j, ow1 - ow0));
                                else for (int ow = ow0; ow < ow1; ow++) dr[ow * sw - pw + j] = yr[ow];
                            }
                        }
                    }
                    for (int e = e0; e < e1;)
                    {
                        // A run of weights at one kernel position (i, j): they read the same D_j rows.
                        int i = sc.Ti[e], j = sc.Tj[e], run = e + 1;
                        while (run < e1 && sc.Ti[run] == i && sc.Tj[run] == j) run++;
                        int a = Math.Max(sc.First[i], oh0), z = Math.Min(sc.End[i], oh0 + rr);
                        if (a >= z) { e = run; continue; }
                        nint rowOff = (nint)(a * sh - ph) * W;
                        float* dr = sc.D + j * dsz + (a - oh0) * W;
                        if (sh == 1)
                        {
                            int len = (z - a) * W;
                            for (; e + 4 <= run; e += 4)
                                DotInto4(xb + sc.Off[e] + rowOff, xb + sc.Off[e + 1] + rowOff, xb + sc.Off[e + 2] + rowOff, xb + sc.Off[e + 3] + rowOff, dr, len, sc.Acc + e);
                            for (; e < run; e++) DotInto(xb + sc.Off[e] + rowOff, dr, len, sc.Acc + e);
                        }
                        else
                        {
                            for (; e + 4 <= run; e += 4)
                                for (int k = a; k < z; k++)
                                {
                                    nint r = rowOff + (nint)(k - a) * sh * W;
                                    DotInto4(xb + sc.Off[e] + r, xb + sc.Off[e + 1] + r, xb + sc.Off[e + 2] + r, xb + sc.Off[e + 3] + r, dr + (k - a) * W, W, sc.Acc + e);
                                }
                            for (; e < run; e++)
                            {
                                float* xr = xb + sc.Off[e] + rowOff, dk = dr;
                                for (int k = a; k < z; k++, xr += sh * W, dk += W) DotInto(xr, dk, W, sc.Acc + e);
                            }
                        }
                    }
                }
            }
        for (int e = 0; e < n; e++)
        {
            float v = Vector256.Sum(sc.Acc[e]);
            float* o = output + sc.Slot[e];
            *o = accumulate ? *o + v : v;
        }
    }

    /// <summary>
    /// Stable counting sort of decoded weights [e0, e1) by kernel position i·kw + j, carrying their offsets and output
    /// slots (decoders set Slot[e] = e). The order inside a position is the decode order, so results do not depend on it.
    /// </summary>
    private static unsafe void SortByPosition(ref DotScratch sc, int e0, int e1, int kh, int kw)
    {
        if (e1 - e0 < 2) return;
        int kk = kh * kw;
        int* bucket = sc.Bucket;
        new Span<int>(bucket, kk + 1).Clear();
        for (int e = e0; e < e1; e++)
        {
            int key = sc.Ti[e] * kw + sc.Tj[e];
            (sc.TmpKey[e], sc.TmpOff[e], sc.TmpSlot[e]) = (key, sc.Off[e], sc.Slot[e]);
            bucket[key + 1]++;
        }
        for (int k = 0; k < kk; k++) bucket[k + 1] += bucket[k];
        for (int e = e0; e < e1; e++)
        {
            int key = sc.TmpKey[e], to = e0 + bucket[key]++;
            (sc.Off[to], sc.Ti[to], sc.Tj[to], sc.Slot[to]) = (sc.TmpOff[e], key / kw, key - key / kw * kw, sc.TmpSlot[e]);
        }
    }

    /// <summary>Runs <paramref name="body"/> with the gradient loops' stack scratch for geometry <paramref name="g"/>.</summary>
    private static unsafe void WithScratch<TBody>(in SparseConvGeometry g, ref TBody body) where TBody : struct, IDotBody, allows ref struct
    {
        int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth, W = g.Width, OW = g.OutputWidth;
        int R = BlockRows(kw, W, g.OutputHeight);
        bool flat = Flat(g);
        var sc = new DotScratch { R = R, Flat = flat };
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk], segRow = stackalloc int[Chunk], segE = stackalloc int[Chunk + 1];
        nint* tmpOff = stackalloc nint[Chunk];
        int* slot = stackalloc int[Chunk], tmpKey = stackalloc int[Chunk], tmpSlot = stackalloc int[Chunk], bucket = stackalloc int[kh * kw + 1];
        Vector256<float>* acc = stackalloc Vector256<float>[Chunk];
        float* d = stackalloc float[kw * R * W];
        float* dyMem = stackalloc float[flat ? R * OW + 2 * kw : 0];
        float* masks = stackalloc float[flat ? kw * R * W : 0];
        int* first = stackalloc int[kh], end = stackalloc int[kh];
        if (flat)
        {
            new Span<float>(dyMem, R * OW + 2 * kw).Clear();
            BuildMasks(masks, kw, R, W, g.Window.PadWidth, +1);
        }
        for (int i = 0; i < kh; i++) (first[i], end[i]) = g.Window.ValidRange(i, g.Window.PadHeight, g.Window.StrideHeight, g.Height, g.OutputHeight);
        sc.Off = off; sc.Ti = ti; sc.Tj = tj; sc.SegRow = segRow; sc.SegE = segE; sc.Acc = acc;
        sc.TmpOff = tmpOff; sc.Slot = slot; sc.TmpKey = tmpKey; sc.TmpSlot = tmpSlot; sc.Bucket = bucket;
        sc.D = d; sc.DyRow = dyMem + kw; sc.Masks = masks; sc.First = first; sc.End = end;
        body.Run(g, ref sc);
    }

    /// <summary>A gradient loop body run inside <see cref="WithScratch"/>.</summary>
    internal interface IDotBody
    {
        void Run(in SparseConvGeometry g, ref DotScratch sc);
    }

    /// <summary>dValues at the live weights of output channels [R0, R1).</summary>
    internal unsafe struct LiveBody : IDotBody
    {
        public int* Ptr, Idx;
        public float* X, Dy, DValues;
        public int R0, R1;
        public bool Accumulate;

        public readonly void Run(in SparseConvGeometry g, ref DotScratch sc)
        {
            int co = R0, q = Ptr[R0];
            while (co < R1)
            {
                int nseg = 0, n = 0, q0 = q;
                sc.SegE[0] = 0;
                while (co < R1 && nseg < Chunk)
                {
                    int rowEnd = Ptr[co + 1], take = Math.Min(rowEnd - q, Chunk - n);
                    sc.SegRow[nseg] = co;
                    for (int e = n; e < n + take; e++, q++) { Decode(Idx[q], g, out sc.Off[e], out sc.Ti[e], out sc.Tj[e]); sc.Slot[e] = e; }
                    n += take;
                    sc.SegE[++nseg] = n;
                    if (q < rowEnd) break;
                    co++;
                }
                DotGroup(X, Dy, g, ref sc, nseg, DValues + q0, Accumulate);
            }
        }
    }

    /// <summary>Gradients at positions [Q0, Q1) of (Rows, Cols): each run of one row is a segment.</summary>
    internal unsafe struct PositionsBody : IDotBody
    {
        public int* Rows, Cols;
        public float* X, Dy, Out;
        public int Q0, Q1;
        public bool Accumulate;

        public readonly void Run(in SparseConvGeometry g, ref DotScratch sc)
        {
            for (int q = Q0; q < Q1;)
            {
                int nseg = 0, n = 0, q0 = q;
                sc.SegE[0] = 0;
                while (q < Q1 && n < Chunk)
                {
                    int row = Rows[q];
                    sc.SegRow[nseg] = row;
                    for (; q < Q1 && n < Chunk && Rows[q] == row; q++, n++) { Decode(Cols[q], g, out sc.Off[n], out sc.Ti[n], out sc.Tj[n]); sc.Slot[n] = n; }
                    sc.SegE[++nseg] = n;
                }
                DotGroup(X, Dy, g, ref sc, nseg, Out + q0, Accumulate);
            }
        }
    }

    /// <summary>Dense rows: tasks [T0, T1) of (row R0 + t / perRow, Chunk columns from (t % perRow)·Chunk).</summary>
    internal unsafe struct DenseRowsBody : IDotBody
    {
        public float* X, Dy, Out;
        public int R0, T0, T1;

        public readonly void Run(in SparseConvGeometry g, ref DotScratch sc)
        {
            int fanIn = g.FanIn, perRow = (fanIn + Chunk - 1) / Chunk;
            for (int t = T0; t < T1; t++)
            {
                int row = t / perRow, start = (t - row * perRow) * Chunk, n = Math.Min(Chunk, fanIn - start);
                for (int e = 0; e < n; e++) { Decode(start + e, g, out sc.Off[e], out sc.Ti[e], out sc.Tj[e]); sc.Slot[e] = e; }
                (sc.SegRow[0], sc.SegE[0], sc.SegE[1]) = (R0 + row, 0, n);
                DotGroup(X, Dy, g, ref sc, 1, Out + (long)row * fanIn + start, accumulate: false);
            }
        }
    }

    internal static unsafe void WeightGradientRows(int* ptr, int* idx, float* x, float* dy, float* dValues, in SparseConvGeometry g, int r0, int r1, bool accumulate)
    {
        var body = new LiveBody { Ptr = ptr, Idx = idx, X = x, Dy = dy, DValues = dValues, R0 = r0, R1 = r1, Accumulate = accumulate };
        WithScratch(g, ref body);
    }

    internal static unsafe void GradientsAtRange(int* rows, int* cols, float* x, float* dy, float* output, in SparseConvGeometry g, int q0, int q1, bool accumulate)
    {
        var body = new PositionsBody { Rows = rows, Cols = cols, X = x, Dy = dy, Out = output, Q0 = q0, Q1 = q1, Accumulate = accumulate };
        WithScratch(g, ref body);
    }

    internal static unsafe void DenseRowsRange(float* x, float* dy, float* output, in SparseConvGeometry g, int r0, int t0, int t1)
    {
        var body = new DenseRowsBody { X = x, Dy = dy, Out = output, R0 = r0, T0 = t0, T1 = t1 };
        WithScratch(g, ref body);
    }
}
