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
    /// Used for op(A) = A (row-major m×k) and op(B) = Bᵀ (stored n×k). Full 8×8 blocks go through registers,
    /// eight source rows at a time along the whole slice, so only eight read streams are live (prefetch-friendly)
    /// while the scattered writes stay inside the panel, which fits in L1.
    /// </summary>
    private static unsafe void PackTransposed(float* src, nint ld, int width, int kc, float* dst, int panel)
    {
        int fullRows = Transpose.CanTranspose8x8 ? width & ~7 : 0;
        int fullP = kc & ~7;
        for (int r = 0; r < fullRows; r += 8)
        {
            float* s = src + r * ld;
            for (int p0 = 0; p0 < fullP; p0 += 8) Transpose.Block8x8(s + p0, ld, dst + (nint)p0 * panel + r, panel);
            for (int p = fullP; p < kc; p++)
                for (int q = 0; q < 8; q++) dst[(nint)p * panel + r + q] = s[q * ld + p];
        }
        for (int r = fullRows; r < width; r++)
        {
            float* s = src + r * ld;
            for (int p = 0; p < kc; p++) dst[(nint)p * panel + r] = s[p];
        }
        if (width < panel)
            for (int p = 0; p < kc; p++) ZeroTail(dst + (nint)p * panel, width, panel);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ZeroTail(float* d, int from, int to)
    {
        for (int r = from; r < to; r++) d[r] = 0;
    }
}

// Packed-panel entry points for ConvPanels, which builds its own B panels straight from the input (implicit im2col)
// and multiplies them with this machine's micro-kernel, whole depth at once (no KC slices).
public static partial class Gemm
{
    /// <summary>Rows of an A panel (micro-tile height) of the selected micro-kernel.</summary>
    internal static int PanelRows => Selected.Mr;

    /// <summary>Columns of a B panel (micro-tile width) of the selected micro-kernel.</summary>
    internal static int PanelColumns => Selected.Nr;

    /// <summary>Packs A [m × k] (row-major) whole depth: panel i (rows i·Mr…) at dst + i·Mr·k, zero-padded rows.</summary>
    internal static unsafe void PackRowPanels(float* a, int m, int k, float* dst)
    {
        int mr = Selected.Mr;
        for (int i = 0, panel = 0; i < m; i += mr, panel++)
            PackTransposed(a + (nint)i * k, k, Math.Min(mr, m - i), k, dst + (nint)panel * mr * k, mr);
    }

    /// <summary>
    /// C[rows × cols] (=|+=) Apanel · Bpanel over depth k, panels as packed by <see cref="PackRowPanels"/> and as
    /// ConvPanels lays out B (k × Nr, p-major). A partial tile goes through <paramref name="scratch"/> (Mr·Nr floats).
    /// </summary>
    internal static unsafe void PanelProduct(int k, float* ap, float* bp, float* c, nint ldc, int rows, int cols, bool add, float* scratch)
    {
        var v = Selected;
        int mr = v.Mr, nr = v.Nr;
        if (rows == mr && cols == nr) { v.Kernel(k, ap, bp, c, ldc, add); return; }
        bool half = v.HalfKernel != null && cols * 2 <= nr;
        var kernel = half ? v.HalfKernel : v.Kernel;
        if (half && rows == mr && cols * 2 == nr) { kernel(k, ap, bp, c, ldc, add); return; }
        kernel(k, ap, bp, scratch, nr, false);
        for (int r = 0; r < rows; r++)
        {
            float* src = scratch + r * nr, dst = c + r * ldc;
            if (add) for (int q = 0; q < cols; q++) dst[q] += src[q];
            else for (int q = 0; q < cols; q++) dst[q] = src[q];
        }
    }
}

public static partial class Gemm
{
    /// <summary>dst[p·panel + r] = src[r·ld + p] for p &lt; kc, r &lt; width, zero up to panel: rows of src become lanes.</summary>
    internal static unsafe void PackLanes(float* src, nint ld, int width, int kc, float* dst, int panel) =>
        PackTransposed(src, ld, width, kc, dst, panel);
}
