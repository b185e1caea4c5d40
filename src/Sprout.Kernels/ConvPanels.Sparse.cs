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
                FillUsed(panel, padded, offsets, used, usedCount, cols, segments, segLane, segBase);
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

    // Vector partial sums of the weight gradient, 16 floats per live weight, are kept per part only up to this size
    // (4 MB); larger weights stay on the direct kernels.
    private const int SparseAccumulatorBudget = 1 << 20;

    /// <summary>Whether <see cref="SparseWeightGradient"/> takes a weight of <paramref name="nnz"/> live entries.</summary>
    public static bool SupportsSparseWeightGradient(Window2d w, int nnz) => SupportsSparseForward(w) && (long)nnz * 16 <= SparseAccumulatorBudget;

    /// <summary>
    /// dValues[k] (= or +=) Σ over positions of dy[row k, q]·tap (col k) at q, for the CSR weight's live entries, from
    /// used-tap panels. Per part, each live weight keeps a 16-lane partial sum; parts are added in order.
    /// </summary>
    public static void SparseWeightGradient(int* ptr, int* idx, int nnz, int* used, int usedCount, float* x, float* dy, float* dValues,
        int outChannels, int channels, int batch, int height, int width, Window2d window, bool accumulate)
    {
        int hp = height + 2 * window.PadHeight, wp = width + 2 * window.PadWidth;
        int perPart = Math.Clamp(PaddedBudget / Math.Max(1, channels * hp * wp), 1, Math.Max(batch, 1));
        perPart = Math.Max(perPart, (batch + MaxWeightParts - 1) / MaxWeightParts);
        int parts = (batch + perPart - 1) / perPart;
        float* partials = Scratch.Partials((long)Math.Max(parts, 1) * nnz);
        Parallelism.For(parts, new SparseWeightJob(ptr, idx, nnz, used, usedCount, x, dy, partials, outChannels, channels, batch, height, width, window, perPart));
        for (int k = 0; k < nnz; k++)
        {
            float sum = 0f;
            for (int p = 0; p < parts; p++) sum += partials[(long)p * nnz + k];
            dValues[k] = accumulate ? dValues[k] + sum : sum;
        }
    }

    private readonly struct SparseWeightJob(int* ptr, int* idx, int nnz, int* used, int usedCount, float* x, float* dy, float* partials,
        int outChannels, int channels, int batch, int height, int width, Window2d win, int perPart) : IParallelJob
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
            float* acc = Scratch.Rows((long)nnz * 16);
            new Span<float>(acc, nnz * 16).Clear();
            float* staged = stackalloc float[nr];
            int* segLane = stackalloc int[nr + 1];
            int* segBase = stackalloc int[nr];
            int n = nb * positions;
            for (int q0 = 0; q0 < n; q0 += nr)
            {
                int cols = Math.Min(nr, n - q0);
                int segments = Segments(q0, cols, positions, outW, win, wp, hp, segLane, segBase);
                FillUsed(panel, padded, offsets, used, usedCount, cols, segments, segLane, segBase);
                float* dyc = dy + (long)b0 * positions + q0;
                for (int o = 0; o < outChannels; o++)
                {
                    float* d = dyc + o * total;
                    if (cols < nr)
                    {
                        for (int l = 0; l < nr; l++) staged[l] = l < cols ? d[l] : 0f;
                        d = staged;
                    }
                    var y0 = Vector512.Load(d);
                    var y1 = Vector512.Load(d + 16);
                    for (int k = ptr[o], end = ptr[o + 1]; k < end; k++)
                    {
                        float* p = panel + (long)idx[k] * nr, a = acc + (long)k * 16;
                        Vector512.FusedMultiplyAdd(y1, Vector512.Load(p + 16), Vector512.FusedMultiplyAdd(y0, Vector512.Load(p), Vector512.Load(a))).Store(a);
                    }
                }
            }
            float* partial = partials + (long)part * nnz;
            for (int k = 0; k < nnz; k++) partial[k] = Vector512.Sum(Vector512.Load(acc + (long)k * 16));
        }
    }

    /// <summary>Panel rows of the used taps for one group of positions, stride-2 gathers; lanes ≥ cols zero.</summary>
    private static void FillUsed(float* panel, float* padded, int* offsets, int* used, int usedCount, int cols, int segments, int* segLane, int* segBase)
    {
        const int nr = 32;
        for (int u = 0; u < usedCount; u++)
        {
            int f = used[u];
            float* dst = panel + (long)f * nr, src = padded + offsets[f];
            for (int s = 0; s < segments; s++) Gather(dst + segLane[s], src + segBase[s], segLane[s + 1] - segLane[s], 2);
            for (int l = cols; l < nr; l++) dst[l] = 0f;
        }
    }

    /// <summary>
    /// dx (= or +=) the input gradient of a CSR weight given by its CSC index (column pointers over taps, output-channel
    /// rows, permutation into the CSR values): per 32 outputs, each live tap's dCols row from the staged dy rows, spread
    /// back into a zero-bordered dx scratch by one permute per 16 values.
    /// </summary>
    public static void SparseInputGradient(int* columnPointers, int* rows, int* permutation, float* values, float* dy, float* dx,
        int outChannels, int channels, int batch, int height, int width, Window2d window, bool accumulate)
    {
        if (batch == 0) return;
        int hp = height + 2 * window.PadHeight, wp = width + 2 * window.PadWidth;
        int perPart = Math.Clamp(PaddedBudget / Math.Max(1, channels * hp * wp), 1, batch);
        Parallelism.For((batch + perPart - 1) / perPart, new SparseInputJob(columnPointers, rows, permutation, values, dy, dx,
            outChannels, channels, batch, height, width, window, accumulate, perPart));
    }

    private readonly struct SparseInputJob(int* cptr, int* ridx, int* perm, float* values, float* dy, float* dx,
        int outChannels, int channels, int batch, int height, int width, Window2d win, bool accumulate, int perPart) : IParallelJob
    {
        [SkipLocalsInit]
        public void Execute(int part)
        {
            const int nr = 32;
            int b0 = part * perPart, nb = Math.Min(perPart, batch - b0);
            int fanIn = channels * win.KernelHeight * win.KernelWidth;
            int ph = win.PadHeight, pw = win.PadWidth, hp = height + 2 * ph, wp = width + 2 * pw;
            int outW = win.OutputWidth(width), positions = win.OutputHeight(height) * outW;
            long total = (long)batch * positions;
            long paddedSize = (long)channels * nb * hp * wp;
            float* padded = Scratch.Padded(paddedSize + GatherSlack);
            new Span<float>(padded, checked((int)paddedSize + GatherSlack)).Clear();
            int* offsets = TapOffsets(channels, nb, win, hp, wp);
            float* lanes = Scratch.Lanes((long)outChannels * nr);
            float* row = stackalloc float[nr];
            int* segLane = stackalloc int[nr + 1];
            int* segBase = stackalloc int[nr];
            int n = nb * positions;
            for (int q0 = 0; q0 < n; q0 += nr)
            {
                int cols = Math.Min(nr, n - q0);
                int segments = Segments(q0, cols, positions, outW, win, wp, hp, segLane, segBase);
                float* src = dy + (long)b0 * positions + q0;
                for (int o = 0; o < outChannels; o++)
                {
                    float* lane = lanes + o * nr;
                    Copy(lane, src + o * total, cols);
                    for (int l = cols; l < nr; l++) lane[l] = 0f;
                }
                for (int f = 0; f < fanIn; f++)
                {
                    int k = cptr[f], end = cptr[f + 1];
                    if (k == end) continue;
                    Vector512<float> a0 = default, a1 = default;
                    for (; k < end; k++)
                    {
                        var w = Vector512.Create(values[perm[k]]);
                        float* l = lanes + ridx[k] * nr;
                        a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(l), a0);
                        a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(l + 16), a1);
                    }
                    a0.Store(row);
                    a1.Store(row + 16);
                    float* d = padded + offsets[f];
                    for (int s = 0; s < segments; s++) Scatter(d + segBase[s], row + segLane[s], segLane[s + 1] - segLane[s], 2);
                }
            }
            for (int c = 0; c < channels; c++)
                for (int b = 0; b < nb; b++)
                {
                    float* plane = dx + ((long)c * batch + b0 + b) * height * width;
                    float* inner = padded + ((long)(c * nb + b) * hp + ph) * wp + pw;
                    for (int h = 0; h < height; h++)
                        if (accumulate) AddRow(plane + (long)h * width, inner + (long)h * wp, width);
                        else Copy(plane + (long)h * width, inner + (long)h * wp, width);
                }
        }
    }
}
