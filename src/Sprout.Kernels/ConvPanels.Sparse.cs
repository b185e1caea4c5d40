// ConvPanels, sparse forward at horizontal stride 2: the direct sparse kernels (SparseConv) accumulate full-resolution
// rows and then subsample, wasting half their horizontal work, and measured 0.5–0.8× of im2col + SpMM on the
// stride-2 layers at 10% density (docs/BENCHMARKS.md). Here each group of 32 output positions gets a B panel of only
// the taps some live weight uses (gathered from a zero-bordered copy of the part's images by one permute per 16
// values), and each output channel's CSR row is then a dot of its values with L1-resident panel rows, two vectors
// wide. The panel replaces im2col's whole-batch column buffer. Parts are disjoint image groups and every output is
// summed in CSR order, so the result does not depend on the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

internal static unsafe partial class ConvPanels
{
    /// <summary>Whether <see cref="SparseForward"/> handles this window (horizontal stride 2, 32-lane panels).</summary>
    public static bool SupportsSparseForward(Window2d w) => w.StrideWidth == 2 && Gemm.PanelColumns == 32 && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// y[Cout, B, OH, OW] (= or +=) W · im2col(x) for a CSR weight (rows = output channels, columns = taps).
    /// <paramref name="used"/> lists the distinct columns of the weight. Sizes and structure are not checked.
    /// </summary>
    public static void SparseForward(int* rowPointers, int* columns, float* values, int* used, int usedCount, float* x, float* y,
        int outChannels, int channels, int batch, int height, int width, Window2d window, bool accumulate)
    {
        if (batch == 0) return;
        int hp = height + 2 * window.PadHeight, wp = width + 2 * window.PadWidth;
        int perPart = Math.Clamp(PaddedBudget / Math.Max(1, channels * hp * wp), 1, batch);
        Parallelism.For((batch + perPart - 1) / perPart, new SparseJob(rowPointers, columns, values, used, usedCount, x, y,
            outChannels, channels, batch, height, width, window, accumulate, perPart));
    }

    private readonly struct SparseJob(int* ptr, int* idx, float* values, int* used, int usedCount, float* x, float* y,
        int outChannels, int channels, int batch, int height, int width, Window2d win, bool accumulate, int perPart) : IParallelJob
    {
        [SkipLocalsInit]
        public void Execute(int part)
        {
            const int nr = 32;
            int b0 = part * perPart, nb = Math.Min(perPart, batch - b0);
            int fanIn = channels * win.KernelHeight * win.KernelWidth;
            int hp = height + 2 * win.PadHeight, wp = width + 2 * win.PadWidth;
            int outW = win.OutputWidth(width), positions = win.OutputHeight(height) * outW;
            long total = (long)batch * positions;
            float* padded = PadImages(x, channels, batch, height, width, win, b0, nb);
            int* offsets = TapOffsets(channels, nb, win, hp, wp);
            float* panel = Scratch.Panel((long)fanIn * nr);
            float* row = stackalloc float[nr];
            int* segLane = stackalloc int[nr + 1];
            int* segBase = stackalloc int[nr];
            int n = nb * positions;
            for (int q0 = 0; q0 < n; q0 += nr)
            {
                int cols = Math.Min(nr, n - q0);
                int segments = Segments(q0, cols, positions, outW, win, wp, hp, segLane, segBase);
                for (int u = 0; u < usedCount; u++)
                {
                    int f = used[u];
                    float* dst = panel + (long)f * nr, src = padded + offsets[f];
                    for (int s = 0; s < segments; s++) Gather(dst + segLane[s], src + segBase[s], segLane[s + 1] - segLane[s], 2);
                    for (int l = cols; l < nr; l++) dst[l] = 0f;
                }
                float* yc = y + (long)b0 * positions + q0;
                for (int o = 0; o < outChannels; o++)
                {
                    Vector512<float> a0 = default, a1 = default;
                    for (int k = ptr[o], end = ptr[o + 1]; k < end; k++)
                    {
                        var w = Vector512.Create(values[k]);
                        float* p = panel + (long)idx[k] * nr;
                        a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(p), a0);
                        a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(p + 16), a1);
                    }
                    float* dst = yc + o * total;
                    if (cols == nr)
                    {
                        if (accumulate) { a0 += Vector512.Load(dst); a1 += Vector512.Load(dst + 16); }
                        a0.Store(dst);
                        a1.Store(dst + 16);
                    }
                    else
                    {
                        a0.Store(row);
                        a1.Store(row + 16);
                        for (int l = 0; l < cols; l++) dst[l] = accumulate ? dst[l] + row[l] : row[l];
                    }
                }
            }
        }
    }
}
