// ConvPanels, weight gradient of a convolution (horizontal stride 1 or 2): dW [Cout × C·kH·kW] = dy · im2col(x)ᵀ, positions being
// the depth. ConvGemm's first version lowered a whole image into columns (590 KB for 16 channels at 32×32) and the
// blocked GEMM then transposed them into packed panels: two passes over a buffer larger than L2. Here a part walks
// its positions in chunks of DepthChunk: dy for the chunk is packed once (A panels, Mr output channels as lanes), and
// for each group of Nr taps the Nr shifted input rows are copied from the zero-bordered scratch and transposed (8×8 in
// registers) into a B panel (32 KB), then multiplied by the micro-kernel into the part's partial dW. Partials are
// added in part order (blocks of dW in parallel) and the part count depends only on the shapes, so the result does
// not depend on the threads.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

internal static unsafe partial class ConvPanels
{
    // Positions per micro-kernel call: an A panel (Mr × 256) and a dyᵀ panel (256 × Nr, 32 KB) stay in L1/L2.
    private const int DepthChunk = 256;

    // At most this many partial weight gradients (each C·kH·kW × Cout floats) per call, and about this many floats of
    // them in all (32 MB), but at least two parts so both cores work: wide layers (512 channels) get few, large parts.
    private const int MaxWeightParts = 32, PartialsBudget = 8 << 20;

    /// <summary>dW[Cout × C·kH·kW] += dy · im2col(x)ᵀ (horizontal stride 1 or 2). Sizes are not checked.</summary>
    public static void WeightGradient(float* x, float* dy, float* dWeight, int outChannels, int channels, int batch, int height, int width,
        Window2d window)
    {
        if (batch == 0) return;
        int hp = height + 2 * window.PadHeight, wp = width + 2 * window.PadWidth;
        int fanIn = channels * window.KernelHeight * window.KernelWidth, wSize = fanIn * outChannels;
        int perPart = Math.Clamp(PaddedBudget / Math.Max(1, channels * hp * wp), 1, batch);
        int maxParts = Math.Clamp(PartialsBudget / Math.Max(1, wSize), 2, MaxWeightParts);
        perPart = Math.Max(perPart, (batch + maxParts - 1) / maxParts);
        int parts = (batch + perPart - 1) / perPart;
        float* partials = Scratch.Partials((long)parts * wSize);
        Parallelism.For(parts, new WeightJob(x, dy, partials, outChannels, channels, batch, height, width, window, perPart));
        Parallelism.For((wSize + ReduceBlock - 1) / ReduceBlock, new ReduceJob(partials, parts, wSize, dWeight));
    }

    // Weights per reduction index (16 KB). The partials of a wide layer (64→64: 26 × 37 K floats, 3.8 MB) took a serial
    // pass as long as an eighth of the products on two threads; blocks of dW are summed in parallel instead, each
    // element still adding the parts in part order, so the bits are those of the serial loop.
    private const int ReduceBlock = 4096;

    /// <summary>dW[block] += Σ over parts, in part order, of partials[part][block].</summary>
    private readonly struct ReduceJob(float* partials, int parts, int wSize, float* dWeight) : IParallelJob
    {
        public void Execute(int block)
        {
            int at = block * ReduceBlock, n = Math.Min(ReduceBlock, wSize - at);
            var dw = new Span<float>(dWeight + at, n);
            for (int p = 0; p < parts; p++) TensorPrimitives.Add(dw, new ReadOnlySpan<float>(partials + (long)p * wSize + at, n), dw);
        }
    }

    // One part's dW [Cout × C·kH·kW] = dy_part · im2col(x_part)ᵀ: A panels are dy rows (Mr output channels as lanes,
    // positions as depth), B panels Nr taps as lanes, so the full Mr×Nr micro-kernel runs even for 16 output channels.
    private readonly struct WeightJob(float* x, float* dy, float* partials, int outChannels, int channels, int batch, int height, int width,
        Window2d win, int perPart) : IParallelJob
    {
        [SkipLocalsInit]
        public void Execute(int part)
        {
            int b0 = part * perPart, nb = Math.Min(perPart, batch - b0);
            int fanIn = channels * win.KernelHeight * win.KernelWidth;
            int hp = height + 2 * win.PadHeight, wp = width + 2 * win.PadWidth;
            int outW = win.OutputWidth(width), positions = win.OutputHeight(height) * outW;
            int mr = Gemm.PanelRows, nr = Gemm.PanelColumns, oPanels = (outChannels + mr - 1) / mr;
            long total = (long)batch * positions;

            float* padded = PadImages(x, channels, batch, height, width, win, b0, nb);
            int* offsets = TapOffsets(channels, nb, win, hp, wp);
            float* partial = partials + (long)part * fanIn * outChannels;
            if (UsesDots(win, outW))
            {
                Dots(padded, offsets, dy + (long)b0 * positions, total, partial, outChannels, fanIn, nb, win.OutputHeight(height), outW, hp, wp);
                return;
            }
            float* lanes = Scratch.Lanes((long)oPanels * DepthChunk * mr);
            float* rows = Scratch.Rows((long)nr * DepthChunk);
            float* panel = Scratch.Panel((long)nr * DepthChunk);
            float* tile = stackalloc float[mr * nr];
            int* segLane = stackalloc int[DepthChunk + 1];
            int* segBase = stackalloc int[DepthChunk];
            int n = nb * positions;
            for (int q0 = 0; q0 < n; q0 += DepthChunk)
            {
                int kc = Math.Min(DepthChunk, n - q0);
                int segments = Segments(q0, kc, positions, outW, win, wp, hp, segLane, segBase);
                float* dyChunk = dy + (long)b0 * positions + q0;
                for (int op = 0; op < oPanels; op++)
                    Gemm.PackLanes(dyChunk + op * mr * total, (nint)total, Math.Min(mr, outChannels - op * mr), kc, lanes + (long)op * kc * mr, mr);
                for (int f0 = 0; f0 < fanIn; f0 += nr)
                {
                    int taps = Math.Min(nr, fanIn - f0);
                    for (int r = 0; r < nr; r++)
                    {
                        float* dst = rows + r * kc;
                        if (r >= taps) { new Span<float>(dst, kc).Clear(); continue; }
                        float* src = padded + offsets[f0 + r];
                        for (int s = 0; s < segments; s++) Gather(dst + segLane[s], src + segBase[s], segLane[s + 1] - segLane[s], win.StrideWidth);
                    }
                    TransposeRows(rows, panel, nr, kc);
                    for (int op = 0; op < oPanels; op++)
                        Gemm.PanelProduct(kc, lanes + (long)op * kc * mr, panel, partial + (long)op * mr * fanIn + f0, fanIn,
                            Math.Min(mr, outChannels - op * mr), taps, add: q0 > 0, tile);
                }
            }
        }
    }

    // Dot form, for stride 1 with output rows of whole 16-float vectors: lanes are 16 positions of one output row, so a
    // tap is one plain shifted load from the padded scratch (no copy, no transpose, which cost the panel form as much
    // as its multiply-adds at 16 output channels). A 4 output channels × 6 taps tile keeps 24 vector sums in registers
    // over the part's positions and reduces them once.
    private static bool UsesDots(Window2d w, int outW) =>
        w.StrideHeight == 1 && w.StrideWidth == 1 && outW % 16 == 0 && Vector512.IsHardwareAccelerated;

    private const int DotRows = 4, DotTaps = 6;

    /// <summary>partial[o, f] = Σ over the part's positions of dy[o, q]·tap f at q (overwritten).</summary>
    private static void Dots(float* padded, int* offsets, float* dy, long ldy, float* partial, int outChannels, int fanIn,
        int nb, int outH, int outW, int hp, int wp)
    {
        for (int f0 = 0; f0 < fanIn; f0 += DotTaps)
            for (int o0 = 0; o0 < outChannels; o0 += DotRows)
            {
                if (fanIn - f0 >= DotTaps && outChannels - o0 >= DotRows)
                    DotTile(padded, offsets + f0, dy + o0 * ldy, ldy, partial + (long)o0 * fanIn + f0, fanIn, nb, outH, outW, hp, wp);
                else
                    for (int o = o0; o < Math.Min(o0 + DotRows, outChannels); o++)
                        for (int f = f0; f < Math.Min(f0 + DotTaps, fanIn); f++)
                        {
                            var acc = Vector512<float>.Zero;
                            float* d = dy + o * ldy, t = padded + offsets[f];
                            for (int b = 0; b < nb; b++)
                                for (int oh = 0; oh < outH; oh++)
                                    for (int v = 0; v < outW; v += 16)
                                        acc = Vector512.FusedMultiplyAdd(Vector512.Load(d + (b * outH + oh) * outW + v), Vector512.Load(t + (b * hp + oh) * wp + v), acc);
                            partial[(long)o * fanIn + f] = Vector512.Sum(acc);
                        }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile(float* padded, int* off, float* dy, long ldy, float* result, int fanIn, int nb, int outH, int outW, int hp, int wp)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a04 = default, a05 = default,
                         a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default,
                         a20 = default, a21 = default, a22 = default, a23 = default, a24 = default, a25 = default,
                         a30 = default, a31 = default, a32 = default, a33 = default, a34 = default, a35 = default;
        float* t0 = padded + off[0], t1 = padded + off[1], t2 = padded + off[2], t3 = padded + off[3], t4 = padded + off[4], t5 = padded + off[5];
        float* d0 = dy, d1 = dy + ldy, d2 = dy + 2 * ldy, d3 = dy + 3 * ldy;
        for (int b = 0; b < nb; b++)
            for (int oh = 0; oh < outH; oh++)
            {
                int dc = (b * outH + oh) * outW, pc = (b * hp + oh) * wp;
                for (int v = 0; v < outW; v += 16, dc += 16, pc += 16)
                {
                    var y0 = Vector512.Load(d0 + dc);
                    var y1 = Vector512.Load(d1 + dc);
                    var y2 = Vector512.Load(d2 + dc);
                    var y3 = Vector512.Load(d3 + dc);
                    var x = Vector512.Load(t0 + pc);
                    a00 = Vector512.FusedMultiplyAdd(y0, x, a00); a10 = Vector512.FusedMultiplyAdd(y1, x, a10);
                    a20 = Vector512.FusedMultiplyAdd(y2, x, a20); a30 = Vector512.FusedMultiplyAdd(y3, x, a30);
                    x = Vector512.Load(t1 + pc);
                    a01 = Vector512.FusedMultiplyAdd(y0, x, a01); a11 = Vector512.FusedMultiplyAdd(y1, x, a11);
                    a21 = Vector512.FusedMultiplyAdd(y2, x, a21); a31 = Vector512.FusedMultiplyAdd(y3, x, a31);
                    x = Vector512.Load(t2 + pc);
                    a02 = Vector512.FusedMultiplyAdd(y0, x, a02); a12 = Vector512.FusedMultiplyAdd(y1, x, a12);
                    a22 = Vector512.FusedMultiplyAdd(y2, x, a22); a32 = Vector512.FusedMultiplyAdd(y3, x, a32);
                    x = Vector512.Load(t3 + pc);
                    a03 = Vector512.FusedMultiplyAdd(y0, x, a03); a13 = Vector512.FusedMultiplyAdd(y1, x, a13);
                    a23 = Vector512.FusedMultiplyAdd(y2, x, a23); a33 = Vector512.FusedMultiplyAdd(y3, x, a33);
                    x = Vector512.Load(t4 + pc);
                    a04 = Vector512.FusedMultiplyAdd(y0, x, a04); a14 = Vector512.FusedMultiplyAdd(y1, x, a14);
                    a24 = Vector512.FusedMultiplyAdd(y2, x, a24); a34 = Vector512.FusedMultiplyAdd(y3, x, a34);
                    x = Vector512.Load(t5 + pc);
                    a05 = Vector512.FusedMultiplyAdd(y0, x, a05); a15 = Vector512.FusedMultiplyAdd(y1, x, a15);
                    a25 = Vector512.FusedMultiplyAdd(y2, x, a25); a35 = Vector512.FusedMultiplyAdd(y3, x, a35);
                }
            }
        Store6(result, a00, a01, a02, a03, a04, a05);
        Store6(result + fanIn, a10, a11, a12, a13, a14, a15);
        Store6(result + 2 * fanIn, a20, a21, a22, a23, a24, a25);
        Store6(result + 3 * fanIn, a30, a31, a32, a33, a34, a35);
    }

    private static void Store6(float* r, Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, Vector512<float> e, Vector512<float> f)
    {
        r[0] = Vector512.Sum(a); r[1] = Vector512.Sum(b); r[2] = Vector512.Sum(c);
        r[3] = Vector512.Sum(d); r[4] = Vector512.Sum(e); r[5] = Vector512.Sum(f);
    }

    /// <summary>panel[q·width + r] = rows[r·kc + q]: width rows of kc floats into a p-major panel.</summary>
    private static void TransposeRows(float* rows, float* panel, int width, int kc)
    {
        int q = 0;
        if (width % 8 == 0 && Transpose.CanTranspose8x8)
            for (; q + 8 <= kc; q += 8)
                for (int r = 0; r < width; r += 8) Transpose.Block8x8(rows + r * kc + q, kc, panel + q * width + r, width);
        for (; q < kc; q++)
            for (int r = 0; r < width; r++) panel[q * width + r] = rows[r * kc + q];
    }
}
