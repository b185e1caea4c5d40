// GEMM packing: copies a KC-deep slice of op(A) or op(B) into the panel layout the micro-kernel streams.
// A panel of width R stores, for each p in [0, kc), R consecutive floats (one per row of op(A), or one per
// column of op(B)); lanes beyond the matrix edge are zero so the micro-kernel never needs a masked path.
// Whether a panel is "contiguous" (each p is a run of R floats in the source) or "transposed" (each source
// row is one lane) depends only on the storage order, so the three GEMM forms share these two routines.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Gemm
{
    /// <summary>
    /// dst[p·R + r] = src[p·ld + r] for p &lt; kc, r &lt; width; zero for width ≤ r &lt; R.
    /// Used for op(B) = B (row-major k×n) and op(A) = Aᵀ (stored k×m).
    /// </summary>
    private static unsafe void PackContiguous(float* src, nint ld, int width, int kc, float* dst, int panel)
    {
        if (width == panel && panel % 16 == 0 && Vector512.IsHardwareAccelerated)
        {
            for (int p = 0; p < kc; p++, src += ld, dst += panel)
                for (int r = 0; r < panel; r += 16) Vector512.Store(Vector512.Load(src + r), dst + r);
            return;
        }
        if (width == panel && panel % 8 == 0 && Vector256.IsHardwareAccelerated)
        {
            for (int p = 0; p < kc; p++, src += ld, dst += panel)
                for (int r = 0; r < panel; r += 8) Vector256.Store(Vector256.Load(src + r), dst + r);
            return;
        }
        for (int p = 0; p < kc; p++, src += ld, dst += panel)
        {
            int r = 0;
            for (; r < width; r++) dst[r] = src[r];
            for (; r < panel; r++) dst[r] = 0;
        }
    }

    /// <summary>
    /// dst[p·R + r] = src[r·ld + p] for p &lt; kc, r &lt; width; zero for width ≤ r &lt; R.
    /// Used for op(A) = A (row-major m×k) and op(B) = Bᵀ (stored n×k). Full 8×8 blocks go through registers.
    /// </summary>
    private static unsafe void PackTransposed(float* src, nint ld, int width, int kc, float* dst, int panel)
    {
        int p0 = 0;
        int fullRows = width & ~7;
        if (fullRows > 0 && Transpose.CanTranspose8x8)
        {
            for (; p0 + 8 <= kc; p0 += 8)
            {
                for (int r = 0; r < fullRows; r += 8) Transpose.Block8x8(src + r * ld + p0, ld, dst + (nint)p0 * panel + r, panel);
                for (int r = fullRows; r < width; r++)
                {
                    float* s = src + r * ld + p0;
                    for (int p = 0; p < 8; p++) dst[(p0 + p) * (nint)panel + r] = s[p];
                }
                for (int p = 0; p < 8; p++) ZeroTail(dst + (p0 + p) * (nint)panel, width, panel);
            }
        }
        for (int p = p0; p < kc; p++)
        {
            float* d = dst + (nint)p * panel;
            for (int r = 0; r < width; r++) d[r] = src[r * ld + p];
            ZeroTail(d, width, panel);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ZeroTail(float* d, int from, int to)
    {
        for (int r = from; r < to; r++) d[r] = 0;
    }
}
