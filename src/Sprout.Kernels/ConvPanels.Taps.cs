// ConvPanels, stride-1 groups whose 32 positions are two 16-lane runs within output rows (32-px and 16-px planes, the
// first two stages of ResNet/WRN) or four 8-lane runs (8-px planes): the micro-kernel reads its B rows straight from
// the zero-bordered scratch, tap f's lanes being 16 floats at lo + offsets[f] and 16 at hi + offsets[f] (or four
// 8-float pieces), instead of from a panel filled first. At 16
// output channels (two A panels) the fill's 2 loads and 2 stores per tap cost about an eighth of the multiply-adds;
// here the only extra work per tap is one offset load. Same 8×32 tile, same sums in the same order as the panel path.
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

    /// <summary>c[8 × 32] (= or +=) a (k × 8, p-major) · B, where B row p is lo[offsets[p] .. +16] ++ hi[offsets[p] .. +16].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapKernel(int k, float* a, float* lo, float* hi, int* offsets, float* c, nint ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
                         c20 = default, c21 = default, c30 = default, c31 = default,
                         c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++)
        {
            int off = offsets[p];
            var b0 = Vector512.Load(lo + off);
            var b1 = Vector512.Load(hi + off);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += 8;
        }
        StoreRow(c, c00, c01, add); c += ldc;
        StoreRow(c, c10, c11, add); c += ldc;
        StoreRow(c, c20, c21, add); c += ldc;
        StoreRow(c, c30, c31, add); c += ldc;
        StoreRow(c, c40, c41, add); c += ldc;
        StoreRow(c, c50, c51, add); c += ldc;
        StoreRow(c, c60, c61, add); c += ldc;
        StoreRow(c, c70, c71, add);
    }

    /// <summary>As <see cref="TapKernel"/> with B row p made of four 8-lane pieces r0..r3[offsets[p] .. +8] (8-px planes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapKernel8(int k, float* a, float* r0, float* r1, float* r2, float* r3, int* offsets, float* c, nint ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
                         c20 = default, c21 = default, c30 = default, c31 = default,
                         c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++)
        {
            int off = offsets[p];
            var b0 = Vector512.Create(Vector256.Load(r0 + off), Vector256.Load(r1 + off));
            var b1 = Vector512.Create(Vector256.Load(r2 + off), Vector256.Load(r3 + off));
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += 8;
        }
        StoreRow(c, c00, c01, add); c += ldc;
        StoreRow(c, c10, c11, add); c += ldc;
        StoreRow(c, c20, c21, add); c += ldc;
        StoreRow(c, c30, c31, add); c += ldc;
        StoreRow(c, c40, c41, add); c += ldc;
        StoreRow(c, c50, c51, add); c += ldc;
        StoreRow(c, c60, c61, add); c += ldc;
        StoreRow(c, c70, c71, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> v0, Vector512<float> v1, bool add)
    {
        if (add)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        Vector512.Store(v0, c);
        Vector512.Store(v1, c + 16);
    }
}
