// The loops of the direct sparse convolution's forward pass and input gradient (no im2col buffer).
//
// Forward, for one output channel co and one output row (b, oh): every live weight (c, i, j) of row co adds
// v·X[c, b, oh·s − p + i, ·] — a whole contiguous input row — into an accumulator row F_j kept per kernel column j;
// the output row is then Σ_j F_j shifted by j − p (and taken every s-th element for stride s). Reading whole input
// rows keeps every nonzero one unmasked vector AXPY; the kw accumulators (zero margins either side) take the
// horizontal padding. Same-j writes go to one aligned row, so consecutive nonzeros do not stall on misaligned
// store-to-load forwarding, as one shifted accumulator would.
// Input gradient is the mirror image, per input channel c and input row (b, ih), over the transposed (CSC) index:
// G_j accumulates v·dY[co, b, oh, ·] for entries whose row oh = (ih + p − i)/s is integral and in range, and the dX
// row gets Σ_j G_j[(iw + p − j)/s]. Each thread owns whole output channels (forward) or input channels (backward).
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>Nonzeros decoded at a time (stack buffers); a longer row is done in several passes that accumulate.</summary>
    internal const int Chunk = 256;

    /// <summary>Forward for output channels [r0, r1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardRows(int* ptr, int* idx, float* values, float* x, float* y, in SparseConvGeometry g, int r0, int r1, bool accumulate)
    {
        int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth, kk = kh * kw;
        int sh = g.Window.StrideHeight, sw = g.Window.StrideWidth, ph = g.Window.PadHeight, pw = g.Window.PadWidth;
        int H = g.Height, W = g.Width, OH = g.OutputHeight, OW = g.OutputWidth, B = g.Batch;
        long hw = (long)H * W, plane = B * hw, ohw = (long)OH * OW, oplane = B * ohw;
        int margin = kw, fs = W + 2 * margin;
        float* f = stackalloc float[kw * fs];
        new Span<float>(f, kw * fs).Clear();
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk];
        float* val = stackalloc float[Chunk];
        for (int co = r0; co < r1; co++)
        {
            float* yc = y + co * oplane;
            int q0 = ptr[co], q1 = ptr[co + 1];
            if (q0 == q1)
            {
                if (!accumulate) new Span<float>(yc, (int)oplane).Clear();
                continue;
            }
            for (int cs = q0; cs < q1; cs += Chunk)
            {
                int n = Math.Min(Chunk, q1 - cs);
                for (int e = 0; e < n; e++)
                {
                    int col = idx[cs + e], c = col / kk, rem = col - c * kk, i = rem / kw;
                    (off[e], ti[e], tj[e], val[e]) = ((nint)(c * plane + (long)i * W), i, rem - i * kw, values[cs + e]);
                }
                bool add = accumulate || cs > q0;
                for (int b = 0; b < B; b++)
                    for (int oh = 0; oh < OH; oh++)
                    {
                        int hb = oh * sh - ph;
                        for (int j = 0; j < kw; j++) new Span<float>(f + j * fs + margin, W).Clear();
                        float* xb = x + b * hw + (long)hb * W;
                        for (int e = 0; e < n; e++)
                        {
                            if ((uint)(hb + ti[e]) >= (uint)H) continue;
                            Axpy(val[e], xb + off[e], f + tj[e] * fs + margin, W);
                        }
                        float* yr = yc + b * ohw + (long)oh * OW;
                        if (sw == 1)
                            for (int j = 0; j < kw; j++) CopyOrAdd(f + j * fs + margin - pw + j, yr, OW, add || j > 0);
                        else
                            for (int ow = 0; ow < OW; ow++)
                            {
                                float s = 0;
                                for (int j = 0; j < kw; j++) s += f[j * fs + margin + ow * sw - pw + j];
                                yr[ow] = add ? yr[ow] + s : s;
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
        int margin = kw, gs = Math.Max(OW, W) + 2 * margin;
        float* gj = stackalloc float[kw * gs];
        new Span<float>(gj, kw * gs).Clear();
        nint* off = stackalloc nint[Chunk];
        int* ti = stackalloc int[Chunk], tj = stackalloc int[Chunk];
        float* val = stackalloc float[Chunk];
        for (int c = c0; c < c1; c++)
        {
            float* dxc = dx + c * plane;
            int q0 = cptr[c * kk], q1 = cptr[(c + 1) * kk];
            if (q0 == q1)
            {
                if (!accumulate) new Span<float>(dxc, (int)plane).Clear();
                continue;
            }
            int k = c * kk; // the column of the next entry decoded
            for (int cs = q0; cs < q1; cs += Chunk)
            {
                int n = Math.Min(Chunk, q1 - cs);
                for (int e = 0; e < n; e++)
                {
                    int q = cs + e;
                    while (cptr[k + 1] <= q) k++;
                    int rem = k - c * kk, i = rem / kw;
                    (off[e], ti[e], tj[e], val[e]) = ((nint)(ridx[q] * oplane), i, rem - i * kw, values[perm[q]]);
                }
                bool add = accumulate || cs > q0;
                for (int b = 0; b < B; b++)
                    for (int ih = 0; ih < H; ih++)
                    {
                        for (int j = 0; j < kw; j++) new Span<float>(gj + j * gs + margin, OW).Clear();
                        float* dyb = dy + b * ohw;
                        for (int e = 0; e < n; e++)
                        {
                            int num = ih + ph - ti[e], oh;
                            if (sh == 1) oh = num;
                            else
                            {
                                if (num < 0 || num % sh != 0) continue;
                                oh = num / sh;
                            }
                            if ((uint)oh >= (uint)OH) continue;
                            Axpy(val[e], dyb + off[e] + (long)oh * OW, gj + tj[e] * gs + margin, OW);
                        }
                        float* dxr = dxc + b * hw + (long)ih * W;
                        if (sw == 1)
                            for (int j = 0; j < kw; j++) CopyOrAdd(gj + j * gs + margin + pw - j, dxr, W, add || j > 0);
                        else
                            for (int iw = 0; iw < W; iw++)
                            {
                                float s = 0;
                                for (int j = 0; j < kw; j++)
                                {
                                    int u = iw + pw - j;
                                    if (u >= 0 && u % sw == 0 && u / sw < OW) s += gj[j * gs + margin + u / sw];
                                }
                                dxr[iw] = add ? dxr[iw] + s : s;
                            }
                    }
            }
        }
    }
}
