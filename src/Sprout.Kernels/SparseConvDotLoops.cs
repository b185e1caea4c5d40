// The loops of the direct sparse convolution's weight gradients: at the live weights (dW[nnz]), at arbitrary
// positions (growth candidates) and for whole dense rows (RigL's streaming gradient), all without im2col.
// The gradient of weight (co, c, i, j) is Σ_{b, oh, ow} dY[co, b, oh, ow]·X[c, b, oh·s − p + i, ow·s − p + j]. Per
// output row (b, oh) the dY row is copied once into a zero-margined row D (spread to every s-th slot for stride s),
// and then each weight's term is one unmasked dot product of a whole contiguous input row with D shifted by p − j:
// the zeros take both the padding and the stride. Partial sums stay 8 lanes wide per weight over all rows and are
// summed horizontally once at the end.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>Length of the D row: the data at [kw, kw + s·OW) with at least kw zeros either side of what is read.</summary>
    internal static int DotRowLength(in SparseConvGeometry g) =>
        2 * g.Window.KernelWidth + Math.Max(g.Width + g.Window.PadWidth, g.Window.StrideWidth * g.OutputWidth);

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

    /// <summary>
    /// out[e] (=|+=) the gradient of weight (co, column e) for the n decoded columns, over every image row.
    /// <paramref name="d"/> is a zeroed scratch row of <see cref="DotRowLength"/> floats (left zero where no dY is copied).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void DotRun(float* x, float* dy, in SparseConvGeometry g, int co, nint* off, int* ti, int* tj, int n,
        Vector256<float>* acc, float* d, float* output, bool accumulate)
    {
        int kw = g.Window.KernelWidth, sh = g.Window.StrideHeight, sw = g.Window.StrideWidth, ph = g.Window.PadHeight, pw = g.Window.PadWidth;
        int H = g.Height, W = g.Width, OH = g.OutputHeight, OW = g.OutputWidth, B = g.Batch;
        long hw = (long)H * W, ohw = (long)OH * OW;
        float* dyc = dy + co * (B * ohw);
        for (int e = 0; e < n; e++) acc[e] = Vector256<float>.Zero;
        float* dData = d + kw;
        for (int b = 0; b < B; b++)
            for (int oh = 0; oh < OH; oh++)
            {
                float* dyr = dyc + b * ohw + (long)oh * OW;
                if (sw == 1) new ReadOnlySpan<float>(dyr, OW).CopyTo(new Span<float>(dData, OW));
                else for (int ow = 0; ow < OW; ow++) dData[ow * sw] = dyr[ow];
                int hb = oh * sh - ph;
                float* xb = x + b * hw + (long)hb * W;
                for (int e = 0; e < n; e++)
                {
                    if ((uint)(hb + ti[e]) >= (uint)H) continue;
                    DotInto(xb + off[e], dData + pw - tj[e], W, acc + e);
                }
            }
        for (int e = 0; e < n; e++)
        {
            float s = Vector256.Sum(acc[e]);
            output[e] = accumulate ? output[e] + s : s;
        }
    }

    /// <summary>dValues at the live weights of output channels [r0, r1).</summary>
    internal static unsafe void WeightGradientRows(int* ptr, int* idx, float* x, float* dy, float* dValues, in SparseConvGeometry g, int r0, int r1, bool accumulate)
    {
        int dl = DotRowLength(g);
        float* d = stackalloc float[dl];
        new Span<float>(d, dl).Clear();
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk];
        Vector256<float>* acc = stackalloc Vector256<float>[Chunk];
        for (int co = r0; co < r1; co++)
            for (int cs = ptr[co], q1 = ptr[co + 1]; cs < q1; cs += Chunk)
            {
                int n = Math.Min(Chunk, q1 - cs);
                for (int e = 0; e < n; e++) Decode(idx[cs + e], g, out off[e], out ti[e], out tj[e]);
                DotRun(x, dy, g, co, off, ti, tj, n, acc, d, dValues + cs, accumulate);
            }
    }

    /// <summary>Gradients at positions [q0, q1) of (rows, cols); consecutive positions of one row share their dY rows.</summary>
    internal static unsafe void GradientsAtRange(int* rows, int* cols, float* x, float* dy, float* output, in SparseConvGeometry g, int q0, int q1, bool accumulate)
    {
        int dl = DotRowLength(g);
        float* d = stackalloc float[dl];
        new Span<float>(d, dl).Clear();
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk];
        Vector256<float>* acc = stackalloc Vector256<float>[Chunk];
        for (int q = q0; q < q1;)
        {
            int co = rows[q], n = 0;
            while (q + n < q1 && n < Chunk && rows[q + n] == co)
            {
                Decode(cols[q + n], g, out off[n], out ti[n], out tj[n]);
                n++;
            }
            DotRun(x, dy, g, co, off, ti, tj, n, acc, d, output + q, accumulate);
            q += n;
        }
    }

    /// <summary>Dense gradient rows: tasks [t0, t1) of (row r0 + t / perRow, columns from (t % perRow)·Chunk).</summary>
    internal static unsafe void DenseRowsRange(float* x, float* dy, float* output, in SparseConvGeometry g, int r0, int t0, int t1)
    {
        int fanIn = g.FanIn, perRow = (fanIn + Chunk - 1) / Chunk, dl = DotRowLength(g);
        float* d = stackalloc float[dl];
        new Span<float>(d, dl).Clear();
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk];
        Vector256<float>* acc = stackalloc Vector256<float>[Chunk];
        for (int t = t0; t < t1; t++)
        {
            int row = t / perRow, start = (t - row * perRow) * Chunk, n = Math.Min(Chunk, fanIn - start);
            for (int e = 0; e < n; e++) Decode(start + e, g, out off[e], out ti[e], out tj[e]);
            DotRun(x, dy, g, r0 + row, off, ti, tj, n, acc, d, output + (long)row * fanIn + start, accumulate: false);
        }
    }
}
