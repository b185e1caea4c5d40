// ConvPanels: convolution (horizontal stride 1 or 2) as an implicit GEMM over FeatureMajor [C, B, H, W]. ConvGemm's first version
// lowered a part's images into columns [C·kH·kW × n] (590 KB for one 16-channel 32×32 image, more than L2), which the
// blocked GEMM then packed again into panels: the columns went through memory three times per product, and the
// 16-channel first-stage layers ran at a fifth of one core's peak. Here a part's images are first copied into a
// zero-bordered scratch (so a tap is a plain shifted row, or its even elements at stride 2, no bounds tests), then for each group of Nr output positions
// the B panel (C·kH·kW × Nr floats, p-major) is written straight from that scratch and multiplied at once with every
// A panel of the packed weight by the GEMM micro-kernel, whole depth in registers, into the output rows. The panel
// lives in L1/L2 and nothing of size C·kH·kW × n is ever stored. Parts are disjoint image groups; each output element
// is one micro-kernel sum in a fixed order, so the result does not depend on the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

/// <summary>Convolution y (=|+=) W ⋆ x (horizontal stride 1 or 2) by panels built directly from a padded copy of the input.</summary>
internal static unsafe partial class ConvPanels
{
    // Floats readable past the padded images: a stride-2 gather loads 32 floats for 16 lanes (one may lie past the row).
    private const int GatherSlack = 32;

    // Padded input floats per part (128 KB): a part's scratch plus the weight panels stay in L2.
    private const int PaddedBudget = 32 * 1024;

    /// <summary>Whether <see cref="Run"/> and <see cref="WeightGradient"/> handle this window (horizontal stride 1 or 2).</summary>
    public static bool Supports(Window2d w) => w.StrideWidth is 1 or 2;

    /// <summary>Whether the input gradient can run as a convolution of dy with the flipped weight (stride 1).</summary>
    public static bool SupportsInputGradient(Window2d w) => w.StrideHeight == 1 && w.StrideWidth == 1;

    /// <summary>
    /// y[outChannels, B, OH, OW] (= or +=) W · im2col(x) (horizontal stride 1 or 2), where <paramref name="packedWeight"/> is
    /// W [outChannels × channels·kH·kW] packed by <see cref="Gemm.PackRowPanels"/>. Sizes are not checked.
    /// </summary>
    public static void Run(float* x, float* packedWeight, float* y, int outChannels, int channels, int batch, int height, int width,
        Window2d window, bool accumulate)
    {
        if (batch == 0) return;
        int hp = height + 2 * window.PadHeight, wp = width + 2 * window.PadWidth;
        int perPart = Math.Clamp(PaddedBudget / Math.Max(1, channels * hp * wp), 1, batch);
        var job = new Job(x, packedWeight, y, outChannels, channels, batch, height, width, window, accumulate, perPart);
        Parallelism.For((batch + perPart - 1) / perPart, job);
    }

    private readonly struct Job(float* x, float* w, float* y, int outChannels, int channels, int batch, int height, int width,
        Window2d win, bool accumulate, int perPart) : IParallelJob
    {
        [SkipLocalsInit]
        public void Execute(int part)
        {
            int b0 = part * perPart, nb = Math.Min(perPart, batch - b0);
            int kh = win.KernelHeight, kw = win.KernelWidth, fanIn = channels * kh * kw;
            int hp = height + 2 * win.PadHeight, wp = width + 2 * win.PadWidth;
            int outH = win.OutputHeight(height), outW = win.OutputWidth(width), positions = outH * outW;
            int mr = Gemm.PanelRows, nr = Gemm.PanelColumns;
            long total = (long)batch * positions;

            float* padded = PadImages(x, channels, batch, height, width, win, b0, nb);
            int* offsets = TapOffsets(channels, nb, win, hp, wp);

            float* panel = Scratch.Panel((long)fanIn * nr);
            float* tile = stackalloc float[mr * nr];
            int* segLane = stackalloc int[nr + 1];
            int* segBase = stackalloc int[nr];
            int n = nb * positions;
            bool taps = UsesTaps(outChannels, win);
            float** runs = stackalloc float*[4];
            for (int q0 = 0; q0 < n; q0 += nr)
            {
                int cols = Math.Min(nr, n - q0);
                // Runs of lanes in one output row of one image: lane l of run s reads padded[offsets[f] + segBase[s] + l − lane0].
                int segments = Segments(q0, cols, positions, outW, win, wp, hp, segLane, segBase);
                float* yc = y + (long)b0 * positions + q0;
                int runCount = taps ? Runs(cols, segments, segLane, segBase, padded, runs) : 0;
                if (runCount == 2)
                {
                    TapProducts(new TwoRuns(runs[0], runs[1], offsets), fanIn, w, outChannels, yc, (nint)total, accumulate);
                    continue;
                }
                if (runCount == 4 && TapsOf8Enabled)
                {
                    TapProducts(new FourRuns(runs[0], runs[1], runs[2], runs[3], offsets), fanIn, w, outChannels, yc, (nint)total, accumulate);
                    continue;
                }
                FillPanel(panel, padded, offsets, fanIn, nr, cols, win.StrideWidth, segments, segLane, segBase);

                for (int o = 0, ip = 0; o < outChannels; o += mr, ip++)
                    Gemm.PanelProduct(fanIn, w + (long)ip * mr * fanIn, panel, yc + o * total, (nint)total,
                        Math.Min(mr, outChannels - o), cols, accumulate, tile);
            }
        }
    }

    /// <summary>
    /// Splits positions [q0, q0 + count) of a part into runs within one output row of one image: run s covers lanes
    /// [segLane[s], segLane[s + 1]) and its first position's tap 0 is at padded[segBase[s]]. Returns the run count.
    /// </summary>
    private static int Segments(int q0, int count, int positions, int outW, Window2d win, int wp, int hp, int* segLane, int* segBase)
    {
        int segments = 0;
        for (int lane = 0, q = q0; lane < count; segments++)
        {
            int b = q / positions, r = q % positions, oh = r / outW, ow = r % outW;
            int len = Math.Min(outW - ow, count - lane);
            segLane[segments] = lane;
            segBase[segments] = (b * hp + oh * win.StrideHeight) * wp + ow * win.StrideWidth;
            lane += len;
            q += len;
        }
        segLane[segments] = count;
        return segments;
    }

    /// <summary>Images [b0, b0 + nb) of every channel into the thread's scratch [C, nb, hp, wp] with zero borders.</summary>
    private static float* PadImages(float* x, int channels, int batch, int height, int width, Window2d win, int b0, int nb)
    {
        int ph = win.PadHeight, pw = win.PadWidth, plane = height * width, hp = height + 2 * ph, wp = width + 2 * pw;
        float* padded = Scratch.Padded((long)channels * nb * hp * wp + GatherSlack);
        new Span<float>(padded, checked(channels * nb * hp * wp)).Clear();
        for (int c = 0; c < channels; c++)
            for (int b = 0; b < nb; b++)
            {
                float* src = x + ((long)c * batch + b0 + b) * plane;
                float* dst = padded + ((long)(c * nb + b) * hp + ph) * wp + pw;
                for (int h = 0; h < height; h++) Copy(dst + (long)h * wp, src + (long)h * width, width);
            }
        return padded;
    }

    /// <summary>offsets[(c·kH + i)·kW + j] = where tap (c, i, j) of output (0, 0, 0) sits in the padded scratch.</summary>
    private static int* TapOffsets(int channels, int nb, Window2d win, int hp, int wp)
    {
        int* offsets = Scratch.Offsets(channels * win.KernelHeight * win.KernelWidth);
        for (int c = 0, f = 0; c < channels; c++)
            for (int i = 0; i < win.KernelHeight; i++)
                for (int j = 0; j < win.KernelWidth; j++, f++)
                    offsets[f] = (c * nb * hp + i) * wp + j;
        return offsets;
    }

    /// <summary>panel[f·nr + l] = the tap f of lane l's position; lanes ≥ cols are zero.</summary>
    private static void FillPanel(float* panel, float* padded, int* offsets, int fanIn, int nr, int cols, int stride, int segments, int* segLane, int* segBase)
    {
        if (segments == 1 && cols == 32 && nr == 32 && stride == 1 && Vector512.IsHardwareAccelerated)
        {
            // One 32-wide output row (the 32×32 stage): two shifted loads per tap.
            int b = segBase[0];
            for (int f = 0; f < fanIn; f++)
            {
                float* s = padded + offsets[f] + b;
                Vector512.Store(Vector512.Load(s), panel + f * 32);
                Vector512.Store(Vector512.Load(s + 16), panel + f * 32 + 16);
            }
            return;
        }
        for (int f = 0; f < fanIn; f++)
        {
            float* dst = panel + (long)f * nr, src = padded + offsets[f];
            for (int s = 0; s < segments; s++) Gather(dst + segLane[s], src + segBase[s], segLane[s + 1] - segLane[s], stride);
            for (int l = cols; l < nr; l++) dst[l] = 0f;
        }
    }

    /// <summary>dst[l] = src[l·stride] for l &lt; n, stride 1 or 2; may read up to 32 floats past the last element used.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(float* dst, float* src, int n, int stride)
    {
        if (stride == 1) { Copy(dst, src, n); return; }
        int k = 0;
        if (Avx512F.IsSupported)
        {
            var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; k + 16 <= n; k += 16)
                Avx512F.PermuteVar16x32x2(Vector512.Load(src + 2 * k), evens, Vector512.Load(src + 2 * k + 16)).Store(dst + k);
        }
        for (; k < n; k++) dst[k] = src[k * stride];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* dst, float* src, int n)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; k + 16 <= n; k += 16) Vector512.Store(Vector512.Load(src + k), dst + k);
        for (; k + 8 <= n; k += 8) Vector256.Store(Vector256.Load(src + k), dst + k);
        for (; k < n; k++) dst[k] = src[k];
    }

    /// <summary>Per-thread scratch, grown on demand and then reused (pinned, so raw pointers stay valid).</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]? _padded, _panel, _rows, _lanes, _partials;
        [ThreadStatic] private static int[]? _offsets;

        public static float* Padded(long floats) => PinnedScratch.Floats(ref _padded, floats);

        public static float* Panel(long floats) => PinnedScratch.Floats(ref _panel, floats);

        public static float* Rows(long floats) => PinnedScratch.Floats(ref _rows, floats);

        public static float* Lanes(long floats) => PinnedScratch.Floats(ref _lanes, floats);

        public static float* Partials(long floats) => PinnedScratch.Floats(ref _partials, floats);

        public static int* Offsets(int count) => PinnedScratch.Ints(ref _offsets, count);
    }
}
