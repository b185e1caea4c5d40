// ConvPanels, input gradient of a convolution with horizontal stride 2 (the ResNet/WRN downsampling convs), where dx
// is not a plain convolution of dy. The columns path formed dCols = Wᵀ·dy for a part's images (C·kH·kW × n floats,
// larger than L2) and then col2im'd it: 0.16–0.23 of one core's peak. Here, per group of Nr output positions, dy's Nr
// columns are copied into a B panel, the micro-kernel writes that group's dCols (C·kH·kW × Nr, in L1/L2) against the
// packed Wᵀ, and each tap row is added back at once into a zero-bordered dx scratch, spread to every other element by
// one AVX-512 permute per 16 values, with no bounds tests. The scratch's interior is added to dx once per part. Parts
// are disjoint image groups, so the result does not depend on the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

internal static unsafe partial class ConvPanels
{
    /// <summary>Whether ConvGemm sends this window's input gradient to <see cref="InputGradient"/> (horizontal stride 2;
    /// stride 1 is faster as a convolution of dy, though InputGradient computes it too).</summary>
    public static bool SupportsSpreadInputGradient(Window2d w) => w.StrideWidth == 2;

    /// <summary>
    /// dx[C, B, H, W] += col2im(Wᵀ · dy) (= when <paramref name="accumulate"/> is false), where <paramref name="packedTransposedWeight"/> is Wᵀ [C·kH·kW × Cout] packed by
    /// <see cref="Gemm.PackRowPanels"/>. Sizes are not checked.
    /// </summary>
    public static void InputGradient(float* dy, float* packedTransposedWeight, float* dx, int outChannels, int channels, int batch,
        int height, int width, Window2d window, bool accumulate = true)
    {
        if (batch == 0) return;
        int hp = height + 2 * window.PadHeight, wp = width + 2 * window.PadWidth;
        int perPart = Math.Clamp(PaddedBudget / Math.Max(1, channels * hp * wp), 1, batch);
        Parallelism.For((batch + perPart - 1) / perPart,
            new InputJob(dy, packedTransposedWeight, dx, outChannels, channels, batch, height, width, window, perPart, accumulate));
    }

    private readonly struct InputJob(float* dy, float* wt, float* dx, int outChannels, int channels, int batch, int height, int width,
        Window2d win, int perPart, bool accumulate) : IParallelJob
    {
        [SkipLocalsInit]
        public void Execute(int part)
        {
            int b0 = part * perPart, nb = Math.Min(perPart, batch - b0);
            int fanIn = channels * win.KernelHeight * win.KernelWidth;
            int ph = win.PadHeight, pw = win.PadWidth, hp = height + 2 * ph, wp = width + 2 * pw;
            int outW = win.OutputWidth(width), positions = win.OutputHeight(height) * outW;
            int mr = Gemm.PanelRows, nr = Gemm.PanelColumns;
            long total = (long)batch * positions;

            long paddedSize = (long)channels * nb * hp * wp;
            float* padded = Scratch.Padded(paddedSize + GatherSlack);
            new Span<float>(padded, checked((int)paddedSize + GatherSlack)).Clear();
            int* offsets = TapOffsets(channels, nb, win, hp, wp);
            float* lanes = Scratch.Lanes((long)outChannels * nr);
            float* cols = Scratch.Panel((long)fanIn * nr);
            float* tile = stackalloc float[mr * nr];
            int* segLane = stackalloc int[nr + 1];
            int* segBase = stackalloc int[nr];
            int n = nb * positions;
            for (int q0 = 0; q0 < n; q0 += nr)
            {
                int count = Math.Min(nr, n - q0);
                int segments = Segments(q0, count, positions, outW, win, wp, hp, segLane, segBase);
                float* src = dy + (long)b0 * positions + q0;
                for (int o = 0; o < outChannels; o++)
                {
                    float* lane = lanes + o * nr;
                    Copy(lane, src + o * total, count);
                    for (int l = count; l < nr; l++) lane[l] = 0f;
                }
                for (int f0 = 0, ip = 0; f0 < fanIn; f0 += mr, ip++)
                    Gemm.PanelProduct(outChannels, wt + (long)ip * mr * outChannels, lanes, cols + (long)f0 * nr, nr,
                        Math.Min(mr, fanIn - f0), count, add: false, tile);
                for (int f = 0; f < fanIn; f++)
                {
                    float* d = padded + offsets[f], v = cols + (long)f * nr;
                    for (int s = 0; s < segments; s++) Scatter(d + segBase[s], v + segLane[s], segLane[s + 1] - segLane[s], win.StrideWidth);
                }
            }
            for (int c = 0; c < channels; c++)
                for (int b = 0; b < nb; b++)
                {
                    float* plane = dx + ((long)c * batch + b0 + b) * height * width;
                    float* inner = padded + ((long)(c * nb + b) * hp + ph) * wp + pw;
                    if (accumulate) for (int h = 0; h < height; h++) AddRow(plane + (long)h * width, inner + (long)h * wp, width);
                    else for (int h = 0; h < height; h++) Copy(plane + (long)h * width, inner + (long)h * wp, width);
                }
        }
    }

    /// <summary>d[l·stride] += v[l] for l &lt; n (stride 1 or 2); at stride 2 may add zero up to 32 floats past the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter(float* d, float* v, int n, int stride)
    {
        if (stride == 1) { AddRow(d, v, n); return; }
        int k = 0;
        if (Avx512F.IsSupported)
        {
            // Index 16 picks lane 0 of the zero vector: [v0, 0, v1, 0, …] and [v8, 0, v9, 0, …].
            var low = Vector512.Create(0, 16, 1, 16, 2, 16, 3, 16, 4, 16, 5, 16, 6, 16, 7, 16);
            var high = Vector512.Create(8, 16, 9, 16, 10, 16, 11, 16, 12, 16, 13, 16, 14, 16, 15, 16);
            for (; k + 16 <= n; k += 16)
            {
                var x = Vector512.Load(v + k);
                float* t = d + 2 * k;
                (Vector512.Load(t) + Avx512F.PermuteVar16x32x2(x, low, Vector512<float>.Zero)).Store(t);
                (Vector512.Load(t + 16) + Avx512F.PermuteVar16x32x2(x, high, Vector512<float>.Zero)).Store(t + 16);
            }
        }
        for (; k < n; k++) d[k * stride] += v[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(float* dst, float* src, int n)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; k + 16 <= n; k += 16) (Vector512.Load(dst + k) + Vector512.Load(src + k)).Store(dst + k);
        for (; k + 8 <= n; k += 8) (Vector256.Load(dst + k) + Vector256.Load(src + k)).Store(dst + k);
        for (; k < n; k++) dst[k] += src[k];
    }
}
