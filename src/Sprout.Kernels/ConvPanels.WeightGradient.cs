// ConvPanels, weight gradient of a convolution (horizontal stride 1 or 2): dW [Cout × C·kH·kW] = dy · im2col(x)ᵀ, positions being
// the depth. ConvGemm's first version lowered a whole image into columns (590 KB for 16 channels at 32×32) and the
// blocked GEMM then transposed them into packed panels: two passes over a buffer larger than L2. Here a part walks
// its positions in chunks of DepthChunk: dy for the chunk is packed once (A panels, Mr output channels as lanes), and
// for each group of Nr taps the Nr shifted input rows are copied from the zero-bordered scratch and transposed (8×8 in
// registers) into a B panel (32 KB), then multiplied by the micro-kernel into the part's partial dW. Partials are
// added in part order and the part count depends only on the shapes, so the result does not depend on the threads.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

internal static unsafe partial class ConvPanels
{
    // Positions per micro-kernel call: an A panel (Mr × 256) and a dyᵀ panel (256 × Nr, 32 KB) stay in L1/L2.
    private const int DepthChunk = 256;

    // At most this many partial weight gradients (each C·kH·kW × Cout floats) per call.
    private const int MaxWeightParts = 32;

    /// <summary>dW[Cout × C·kH·kW] += dy · im2col(x)ᵀ (horizontal stride 1 or 2). Sizes are not checked.</summary>
    public static void WeightGradient(float* x, float* dy, float* dWeight, int outChannels, int channels, int batch, int height, int width,
        Window2d window)
    {
        if (batch == 0) return;
        int hp = height + 2 * window.PadHeight, wp = width + 2 * window.PadWidth;
        int fanIn = channels * window.KernelHeight * window.KernelWidth, wSize = fanIn * outChannels;
        int perPart = Math.Clamp(PaddedBudget / Math.Max(1, channels * hp * wp), 1, batch);
        perPart = Math.Max(perPart, (batch + MaxWeightParts - 1) / MaxWeightParts);
        int parts = (batch + perPart - 1) / perPart;
        float* partials = Scratch.Partials((long)parts * wSize);
        Parallelism.For(parts, new WeightJob(x, dy, partials, outChannels, channels, batch, height, width, window, perPart));
        var dw = new Span<float>(dWeight, wSize);
        for (int p = 0; p < parts; p++) TensorPrimitives.Add(dw, new ReadOnlySpan<float>(partials + (long)p * wSize, wSize), dw);
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
