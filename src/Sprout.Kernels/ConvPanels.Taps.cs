// ConvPanels, stride-1 groups whose 32 positions are two 16-lane runs within output rows (32-px and 16-px planes, the
// first two stages of ResNet/WRN) or four 8-lane runs (8-px planes): the shared 8×32 micro-kernel (Gemm.Tile8x32.cs)
// reads its B rows straight from the zero-bordered scratch, tap f's lanes being 16 floats at lo + offsets[f] and 16 at
// hi + offsets[f] (or four 8-float pieces), instead of from a panel filled first. At 16 output channels (two A panels)
// the fill's 2 loads and 2 stores per tap cost about an eighth of the multiply-adds; here the only extra work per tap
// is one offset load. Same kernel, same sums in the same order as the panel path.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

internal static unsafe partial class ConvPanels
{
    /// <summary>False fills panels for every group (benchmarks compare the two in one process).</summary>
    internal static bool TapsEnabled = true;

    /// <summary>False fills panels for four-run (8-px) groups only (benchmarks compare the two in one process).</summary>
    internal static bool TapsOf8Enabled = true;

    /// <summary>Whether the tap kernel can replace the panel fill: AVX-512's 8×32 tile, whole A panels, stride 1.</summary>
    private static bool UsesTaps(int outChannels, Window2d win) =>
        TapsEnabled && Vector512.IsHardwareAccelerated && Gemm.PanelRows == 8 && Gemm.PanelColumns == 32 && outChannels % 8 == 0 && win.StrideWidth == 1;

    /// <summary>
    /// Where the lanes of a full 32-lane group start when it is two 16-lane runs (lanes 0–15 at lo, 16–31 at hi; returns
    /// 2) or four 8-lane runs (8-px planes; lanes 8j.. at runs[j]; returns 4); 0 for any other group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Runs(int cols, int segments, int* segLane, int* segBase, float* padded, float** runs)
    {
        if (cols != 32) return 0;
        if (segments == 1)
        {
            runs[0] = padded + segBase[0];
            runs[1] = runs[0] + 16;
            return 2;
        }
        if (segments == 2 && segLane[1] == 16)
        {
            runs[0] = padded + segBase[0];
            runs[1] = padded + segBase[1];
            return 2;
        }
        if (segments != 4 || segLane[1] != 8 || segLane[2] != 16 || segLane[3] != 24) return 0;
        for (int j = 0; j < 4; j++) runs[j] = padded + segBase[j];
        return 4;
    }

    /// <summary>
    /// y[outChannels rows of ldc, 32 lanes] (= or +=) W · B for every 8-row panel of the packed weight, B row p taken
    /// from the padded scratch by <paramref name="rows"/>.
    /// </summary>
    private static void TapProducts<TRows>(TRows rows, int fanIn, float* w, int outChannels, float* y, nint ldc, bool accumulate)
        where TRows : struct, IRows32
    {
        for (int o = 0; o < outChannels; o += 8, w += 8 * fanIn)
            Gemm.Tile8x32(fanIn, w, 8, rows, y + o * ldc, ldc, accumulate);
    }

    /// <summary>Two 16-lane runs: B row p is lo[offsets[p] .. +16] ++ hi[offsets[p] .. +16].</summary>
    private readonly struct TwoRuns(float* lo, float* hi, int* offsets) : IRows32
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load(int p, out Vector512<float> low, out Vector512<float> high)
        {
            int off = offsets[p];
            low = Vector512.Load(lo + off);
            high = Vector512.Load(hi + off);
        }
    }

    /// <summary>Four 8-lane runs (8-px planes): B row p is r0..r3[offsets[p] .. +8] in turn.</summary>
    private readonly struct FourRuns(float* r0, float* r1, float* r2, float* r3, int* offsets) : IRows32
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load(int p, out Vector512<float> low, out Vector512<float> high)
        {
            int off = offsets[p];
            low = Vector512.Create(Vector256.Load(r0 + off), Vector256.Load(r1 + off));
            high = Vector512.Create(Vector256.Load(r2 + off), Vector256.Load(r3 + off));
        }
    }
}
