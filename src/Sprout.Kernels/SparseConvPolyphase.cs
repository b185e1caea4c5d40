// Stride-2 sparse convolution as stride-1 work on phase planes (polyphase). With stride 2 and an even plane, input
// row 2·oh − p + i is row u = oh + ⌊(i − p)/2⌋ of phase (i − p) mod 2, so splitting each input channel into its four
// phase planes x[c, ·, 2u + ph, 2v + pw] turns the layer into a stride-1 convolution over 4·Cin planes of half the
// size with a ⌈k/2⌉-sized window: the padded stride-1 kernels (SparseConvPadded*.cs) then run it, with the copy into
// their block doing the split (Block.Fill). The forward and the weight gradient need nothing else. The input
// gradient is a stride-1 convolution of dY (bordered by ⌊(k − 1 − p)/2⌋ rows above, ⌈p/2⌉ below) into dX's phase
// planes, whose taps come from the CSC index grouped by phase plane; the fused backward job computes them with dW
// against X's phase planes (split per part into scratch) and interleaves the part's dX phases back into dX. Taken
// for stride 2 in both directions, even planes with output = input / 2, kernels of at least 2×2 or 1×1 without
// padding, and AVX-512 hardware; other stride-2 layers stay on ConvPanels. A 1×1 kernel reads only phase (0, 0): its
// block holds that one phase plane per channel (P = 1 below), and its dX is zero at the other three phases.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>False keeps stride 2 on ConvPanels (benchmarks and tests compare the two in one process).</summary>
    internal static bool PolyphaseEnabled = true;

    /// <summary>Whether the polyphase kernels take this geometry (see the file comment).</summary>
    private static bool PolyphasePath(in SparseConvGeometry g)
    {
        var w = g.Window;
        return PolyphaseEnabled && Vector512.IsHardwareAccelerated && g.Batch > 0
            && w.StrideHeight == 2 && w.StrideWidth == 2
            && ((w.KernelHeight >= 2 && w.KernelWidth >= 2) || (w.KernelHeight == 1 && w.KernelWidth == 1 && w.PadHeight == 0 && w.PadWidth == 0))
            && w.PadHeight < w.KernelHeight && w.PadWidth < w.KernelWidth
            && g.Height % 2 == 0 && g.Width % 2 == 0 && g.OutputHeight == g.Height / 2 && g.OutputWidth == g.Width / 2
            && (long)g.InChannels * 4 * (g.OutputHeight + w.KernelHeight) * (g.OutputWidth + w.KernelWidth) <= MaxImageBlockFloats
            && (long)g.OutChannels * (g.OutputHeight + w.KernelHeight) * (g.OutputWidth + w.KernelWidth) <= MaxImageBlockFloats;
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>Phase planes per direction at stride 2: two, or one for a 1×1 kernel (it reads phase (0, 0) only).</summary>
    private static int PhasesPerSide(in SparseConvGeometry g) => g.Window.KernelHeight == 1 ? 1 : 2;

    /// <summary>
    /// The block of X for the forward pass and the weight gradient: stride 1 as before, or at stride 2 the four phase
    /// planes per channel, bordered by ⌈p/2⌉ above and ⌊(k − 1 − p)/2⌋ below (and alike left and right), with a window
    /// of ⌊(k − 1 − p)/2⌋ + ⌈p/2⌉ + 1 rows, so the block's output lines are the layer's.
    /// </summary>
    private static Block ForwardBlock(in SparseConvGeometry g, int minPerPart)
    {
        var w = g.Window;
        if (w.StrideHeight == 1)
            return new Block(g.InChannels, g.Batch, g.Height, g.Width, w.KernelHeight, w.KernelWidth, w.PadHeight, w.PadWidth, minPerPart);
        int top = -FloorDiv(-w.PadHeight, 2), bottom = FloorDiv(w.KernelHeight - 1 - w.PadHeight, 2);
        int left = -FloorDiv(-w.PadWidth, 2), right = FloorDiv(w.KernelWidth - 1 - w.PadWidth, 2);
        return new Block(g.InChannels, g.Batch, g.Height, g.Width, top + bottom + 1, left + right + 1, top, bottom, left, right, 2,
            PhasesPerSide(g), minPerPart);
    }

    /// <summary>The block of dY for the polyphase input gradient: bordered by ⌊(k − 1 − p)/2⌋ above and ⌈p/2⌉ below; output lines = dX's phase-plane lines.</summary>
    private static Block PolyphaseGradientBlock(in SparseConvGeometry g, int minPerPart)
    {
        var w = g.Window;
        int top = FloorDiv(w.KernelHeight - 1 - w.PadHeight, 2), bottom = -FloorDiv(-w.PadHeight, 2);
        int left = FloorDiv(w.KernelWidth - 1 - w.PadWidth, 2), right = -FloorDiv(-w.PadWidth, 2);
        return new Block(g.OutChannels, g.Batch, g.OutputHeight, g.OutputWidth, top + bottom + 1, left + right + 1, top, bottom, left, right, 1, 1,
            minPerPart);
    }

    /// <summary>
    /// The polyphase input gradient's taps into a block of dY, grouped by dX phase plane r = (c·P + ph)·P + pw (row
    /// pointers returned, [P²·Cin + 1]): live weight (co, c, i, j) with (i − p_h) mod 2 = ph and (j − p_w) mod 2 = pw
    /// reads dY at co·(channel stride) + (top − ⌊(i − p_h)/2⌋)·Wp + left − ⌊(j − p_w)/2⌋; tapPerm maps each tap to its
    /// CSR value index.
    /// </summary>
    private static unsafe int* PolyphaseTransposedTaps(int* cptr, int* ridx, int* perm, float* values, in SparseConvGeometry g, in Block block,
        out int* taps, out float* tapValues, out int* tapPerm)
    {
        var w = g.Window;
        int kh = w.KernelHeight, kw = w.KernelWidth, nnz = cptr[g.FanIn], sides = PhasesPerSide(g);
        taps = PaddedScratch.Taps(nnz, out tapValues);
        tapPerm = PaddedScratch.TapPermutation(nnz);
        int* rowPtr = PaddedScratch.RowPointers(sides * sides * g.InChannels + 1);
        int t = 0;
        for (int c = 0; c < g.InChannels; c++)
            for (int ph = 0; ph < sides; ph++)
                for (int pw = 0; pw < sides; pw++)
                {
                    rowPtr[(c * sides + ph) * sides + pw] = t;
                    for (int i = 0; i < kh; i++)
                    {
                        int ai = FloorDiv(i - w.PadHeight, 2);
                        if (i - w.PadHeight - 2 * ai != ph) continue;
                        for (int j = 0; j < kw; j++)
                        {
                            int aj = FloorDiv(j - w.PadWidth, 2);
                            if (j - w.PadWidth - 2 * aj != pw) continue;
                            int f = (c * kh + i) * kw + j, shift = (block.PadH - ai) * block.Wp + block.PadW - aj;
                            for (int q = cptr[f]; q < cptr[f + 1]; q++, t++)
                                (taps[t], tapValues[t], tapPerm[t]) = (ridx[q] * block.ChannelStride + shift, values[perm[q]], perm[q]);
                        }
                    }
                }
        rowPtr[sides * sides * g.InChannels] = t;
        return rowPtr;
    }

    /// <summary>
    /// Splits images [b0, b0 + nb) of every channel of src [channels, batch, height, width] into phase planes
    /// (c, ph, pw), ph and pw below <paramref name="sides"/> (2, or 1: phase (0, 0) only), of dst: plane
    /// (c·sides + ph)·sides + pw at dst + plane·planeStride, image m at m·hp·wp, its phase rows starting at row
    /// <paramref name="top"/> and column <paramref name="left"/>; every other position of those planes is set to zero
    /// (the borders).
    /// </summary>
    [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void FillPhases(float* src, float* dst, int channels, int batch, int height, int width, int b0, int nb, int sides,
        long planeStride, int hp, int wp, int top, int left)
    {
        int hs = height / 2, ws = width / 2, bottom = hp - top - hs, right = wp - left - ws, planes = sides * sides;
        float* dropped = stackalloc float[sides == 1 ? ws : 0]; // the odd columns, when only phase 0 is kept
        for (int c = 0; c < channels; c++)
            for (int m = 0; m < nb; m++)
            {
                float* s = src + ((long)c * batch + b0 + m) * height * width;
                float* p00 = dst + (long)(c * planes) * planeStride + (long)m * hp * wp;
                for (int q = 0; q < planes; q++)
                {
                    float* d = p00 + q * planeStride;
                    ClearRun(d, top * wp);
                    ClearRun(d + (long)(top + hs) * wp, bottom * wp);
                    for (int u = 0; u < hs; u++)
                    {
                        float* row = d + (long)(top + u) * wp;
                        for (int v = 0; v < left; v++) row[v] = 0f;
                        for (int v = left + ws; v < wp; v++) row[v] = 0f;
                    }
                }
                for (int h = 0; h < height; h += 3 - sides, s += (3 - sides) * width)
                {
                    float* even = p00 + (h & 1) * 2 * planeStride + (long)(top + (h >> 1)) * wp + left;
                    Deinterleave(s, even, sides == 1 ? dropped : even + planeStride, width);
                }
            }
    }

    /// <summary>even[v] = s[2v], odd[v] = s[2v + 1] for v &lt; n / 2 (n even): one permute per 16 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Deinterleave(float* s, float* even, float* odd, int n)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var split = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
            for (; k + 16 <= n; k += 16)
            {
                var v = Vector512.Shuffle(Vector512.Load(s + k), split);
                v.GetLower().Store(even + k / 2);
                v.GetUpper().Store(odd + k / 2);
            }
        }
        for (; k < n; k += 2)
        {
            even[k / 2] = s[k];
            odd[k / 2] = s[k + 1];
        }
    }

    /// <summary>
    /// dst[c, b0 + m, 2u + ph, 2v + pw] (=|+=) phases[((c·sides + ph)·sides + pw)·nb·hs·ws + m·hs·ws + u·ws + v]: the
    /// inverse of <see cref="FillPhases"/> without borders, for the part's dX; with one side (phase 0 only) the other
    /// phases are zero.
    /// </summary>
    [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void InterleavePhases(float* phases, float* dst, int channels, int batch, int height, int width, int b0, int nb, int sides,
        bool accumulate)
    {
        int hs = height / 2, ws = width / 2, planes = sides * sides;
        long planeStride = (long)nb * hs * ws;
        float* zeros = stackalloc float[sides == 1 ? ws : 0];
        if (sides == 1) ClearRun(zeros, ws);
        for (int c = 0; c < channels; c++)
            for (int m = 0; m < nb; m++)
            {
                float* d = dst + ((long)c * batch + b0 + m) * height * width;
                float* p00 = phases + (long)(c * planes) * planeStride + (long)m * hs * ws;
                for (int h = 0; h < height; h++, d += width)
                {
                    if (sides == 1 && (h & 1) == 1)
                    {
                        if (!accumulate) ClearRun(d, width);
                        continue;
                    }
                    float* even = p00 + (h & 1) * 2 * planeStride + (long)(h >> 1) * ws;
                    Interleave(even, sides == 1 ? zeros : even + planeStride, d, width, accumulate);
                }
            }
    }

    /// <summary>d[2v] (=|+=) even[v], d[2v + 1] (=|+=) odd[v] for v &lt; n / 2: one permute per 16 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Interleave(float* even, float* odd, float* d, int n, bool accumulate)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var merge = Vector512.Create(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
            for (; k + 16 <= n; k += 16)
            {
                var v = Vector512.Shuffle(Vector512.Create(Vector256.Load(even + k / 2), Vector256.Load(odd + k / 2)), merge);
                if (accumulate) v += Vector512.Load(d + k);
                v.Store(d + k);
            }
        }
        for (; k < n; k += 2)
        {
            d[k] = accumulate ? d[k] + even[k / 2] : even[k / 2];
            d[k + 1] = accumulate ? d[k + 1] + odd[k / 2] : odd[k / 2];
        }
    }
}
