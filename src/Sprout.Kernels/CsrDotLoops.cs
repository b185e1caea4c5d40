// The hot loops of SDDMM: one length-batch dot product per position, dy[row]·x[col]. Written once over the
// width abstraction (Simd.cs). Deliberately not here: argument checks (Csr.cs) and threading (CsrWorkers.cs).
// Like SpMM this is bound by streaming x rows (one load per FMA), so the wide paths keep a chunk of the dy
// row in registers and stream each x row through once; narrow remainders share each dy load among four x rows.
// The wide tiles prefetch the x rows of the pair PrefetchDistance nonzeros ahead (~15% at 4096², 5%, batch 256).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>
    /// For rows r in [r0, r1) and q in ptr[r] up to ptr[r+1]: outv[q] (=|+=) Σ_b dy[r, b]·x[idx[q], b] over the
    /// whole vectors of [b0, bEnd). This is the SDDMM at the active positions. Returns the first column not done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // full opts on the first call: tier-0 loops would be ~10× slower
    internal static unsafe int DotRows<TS, TV>(int* ptr, int* idx, float* dy, float* x, float* outv,
        int r0, int r1, int batch, int b0, int bEnd, bool accumulate)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count, vectors = (bEnd - b0) / w;
        if (vectors == 0) return b0;
        int stop = b0 + vectors * w;
        int last = ptr[r1]; // prefetches look ahead at most to the end of this range's nonzeros
        for (int r = r0; r < r1; r++)
        {
            int q0 = ptr[r], q1 = ptr[r + 1];
            float* d = dy + (nint)r * batch;
            int b = b0, left = vectors;
            bool acc = accumulate; // the first batch chunk honours accumulate, later chunks add to it
            for (; left >= 16; left -= 16, b += 16 * w, acc = true) DotTile16<TS, TV>(idx, d + b, x + b, outv, batch, q0, q1, last, acc);
            if (left >= 8)
            {
                DotTile8<TS, TV>(idx, d + b, x + b, outv, batch, q0, q1, last, acc);
                left -= 8;
                b += 8 * w;
                acc = true;
            }
            if (left > 0) DotSpan<TS, TV>(idx, d, x, outv, batch, q0, q1, b, stop, acc);
        }
        return stop;
    }

    /// <summary>
    /// Sixteen vectors of the dy row stay in registers while each x row streams through once: the same one load
    /// per FMA as SpMM, and ~1.4× faster than re-loading dy for groups of x rows (measured at 4096 inputs).
    /// Two nonzeros at a time with four partial sums each, for eight independent FMA chains.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see TileJit
    private static unsafe void DotTile16<TS, TV>(int* idx, float* d, float* x, float* outv, int batch, int q, int end, int last, bool accumulate)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        TV d0 = TS.Load(d), d1 = TS.Load(d + w), d2 = TS.Load(d + 2 * w), d3 = TS.Load(d + 3 * w);
        TV d4 = TS.Load(d + 4 * w), d5 = TS.Load(d + 5 * w), d6 = TS.Load(d + 6 * w), d7 = TS.Load(d + 7 * w);
        TV d8 = TS.Load(d + 8 * w), d9 = TS.Load(d + 9 * w), d10 = TS.Load(d + 10 * w), d11 = TS.Load(d + 11 * w);
        TV d12 = TS.Load(d + 12 * w), d13 = TS.Load(d + 13 * w), d14 = TS.Load(d + 14 * w), d15 = TS.Load(d + 15 * w);
        for (; q < end; q += 2)
        {
            // An odd last nonzero pairs with itself; its second result is discarded.
            int qb = q + 1 < end ? q + 1 : q;
            float* s = x + (nint)idx[q] * batch, t = x + (nint)idx[qb] * batch;
            if (q + PrefetchDistance + 1 < last)
            {
                Prefetch(x + (nint)idx[q + PrefetchDistance] * batch, 16 * w);
                Prefetch(x + (nint)idx[q + PrefetchDistance + 1] * batch, 16 * w);
            }
            TV a0 = TS.MultiplyAddEstimate(d0, TS.Load(s), TS.Zero), a1 = TS.MultiplyAddEstimate(d1, TS.Load(s + w), TS.Zero);
            TV a2 = TS.MultiplyAddEstimate(d2, TS.Load(s + 2 * w), TS.Zero), a3 = TS.MultiplyAddEstimate(d3, TS.Load(s + 3 * w), TS.Zero);
            TV c0 = TS.MultiplyAddEstimate(d0, TS.Load(t), TS.Zero), c1 = TS.MultiplyAddEstimate(d1, TS.Load(t + w), TS.Zero);
            TV c2 = TS.MultiplyAddEstimate(d2, TS.Load(t + 2 * w), TS.Zero), c3 = TS.MultiplyAddEstimate(d3, TS.Load(t + 3 * w), TS.Zero);
            a0 = TS.MultiplyAddEstimate(d4, TS.Load(s + 4 * w), a0); a1 = TS.MultiplyAddEstimate(d5, TS.Load(s + 5 * w), a1);
            a2 = TS.MultiplyAddEstimate(d6, TS.Load(s + 6 * w), a2); a3 = TS.MultiplyAddEstimate(d7, TS.Load(s + 7 * w), a3);
            c0 = TS.MultiplyAddEstimate(d4, TS.Load(t + 4 * w), c0); c1 = TS.MultiplyAddEstimate(d5, TS.Load(t + 5 * w), c1);
            c2 = TS.MultiplyAddEstimate(d6, TS.Load(t + 6 * w), c2); c3 = TS.MultiplyAddEstimate(d7, TS.Load(t + 7 * w), c3);
            a0 = TS.MultiplyAddEstimate(d8, TS.Load(s + 8 * w), a0); a1 = TS.MultiplyAddEstimate(d9, TS.Load(s + 9 * w), a1);
            a2 = TS.MultiplyAddEstimate(d10, TS.Load(s + 10 * w), a2); a3 = TS.MultiplyAddEstimate(d11, TS.Load(s + 11 * w), a3);
            c0 = TS.MultiplyAddEstimate(d8, TS.Load(t + 8 * w), c0); c1 = TS.MultiplyAddEstimate(d9, TS.Load(t + 9 * w), c1);
            c2 = TS.MultiplyAddEstimate(d10, TS.Load(t + 10 * w), c2); c3 = TS.MultiplyAddEstimate(d11, TS.Load(t + 11 * w), c3);
            a0 = TS.MultiplyAddEstimate(d12, TS.Load(s + 12 * w), a0); a1 = TS.MultiplyAddEstimate(d13, TS.Load(s + 13 * w), a1);
            a2 = TS.MultiplyAddEstimate(d14, TS.Load(s + 14 * w), a2); a3 = TS.MultiplyAddEstimate(d15, TS.Load(s + 15 * w), a3);
            c0 = TS.MultiplyAddEstimate(d12, TS.Load(t + 12 * w), c0); c1 = TS.MultiplyAddEstimate(d13, TS.Load(t + 13 * w), c1);
            c2 = TS.MultiplyAddEstimate(d14, TS.Load(t + 14 * w), c2); c3 = TS.MultiplyAddEstimate(d15, TS.Load(t + 15 * w), c3);
            Write(outv + q, TS.Sum(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3))), accumulate);
            if (qb != q) Write(outv + qb, TS.Sum(TS.Add(TS.Add(c0, c1), TS.Add(c2, c3))), accumulate);
        }
    }

    /// <summary>As <see cref="DotTile16{TS, TV}"/> for an eight-vector chunk of the batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see TileJit
    private static unsafe void DotTile8<TS, TV>(int* idx, float* d, float* x, float* outv, int batch, int q, int end, int last, bool accumulate)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        TV d0 = TS.Load(d), d1 = TS.Load(d + w), d2 = TS.Load(d + 2 * w), d3 = TS.Load(d + 3 * w);
        TV d4 = TS.Load(d + 4 * w), d5 = TS.Load(d + 5 * w), d6 = TS.Load(d + 6 * w), d7 = TS.Load(d + 7 * w);
        for (; q < end; q += 2)
        {
            int qb = q + 1 < end ? q + 1 : q;
            float* s = x + (nint)idx[q] * batch, t = x + (nint)idx[qb] * batch;
            if (q + PrefetchDistance + 1 < last)
            {
                Prefetch(x + (nint)idx[q + PrefetchDistance] * batch, 8 * w);
                Prefetch(x + (nint)idx[q + PrefetchDistance + 1] * batch, 8 * w);
            }
            TV a0 = TS.MultiplyAddEstimate(d0, TS.Load(s), TS.Zero), a1 = TS.MultiplyAddEstimate(d1, TS.Load(s + w), TS.Zero);
            TV a2 = TS.MultiplyAddEstimate(d2, TS.Load(s + 2 * w), TS.Zero), a3 = TS.MultiplyAddEstimate(d3, TS.Load(s + 3 * w), TS.Zero);
            TV c0 = TS.MultiplyAddEstimate(d0, TS.Load(t), TS.Zero), c1 = TS.MultiplyAddEstimate(d1, TS.Load(t + w), TS.Zero);
            TV c2 = TS.MultiplyAddEstimate(d2, TS.Load(t + 2 * w), TS.Zero), c3 = TS.MultiplyAddEstimate(d3, TS.Load(t + 3 * w), TS.Zero);
            a0 = TS.MultiplyAddEstimate(d4, TS.Load(s + 4 * w), a0); a1 = TS.MultiplyAddEstimate(d5, TS.Load(s + 5 * w), a1);
            a2 = TS.MultiplyAddEstimate(d6, TS.Load(s + 6 * w), a2); a3 = TS.MultiplyAddEstimate(d7, TS.Load(s + 7 * w), a3);
            c0 = TS.MultiplyAddEstimate(d4, TS.Load(t + 4 * w), c0); c1 = TS.MultiplyAddEstimate(d5, TS.Load(t + 5 * w), c1);
            c2 = TS.MultiplyAddEstimate(d6, TS.Load(t + 6 * w), c2); c3 = TS.MultiplyAddEstimate(d7, TS.Load(t + 7 * w), c3);
            Write(outv + q, TS.Sum(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3))), accumulate);
            if (qb != q) Write(outv + qb, TS.Sum(TS.Add(TS.Add(c0, c1), TS.Add(c2, c3))), accumulate);
        }
    }

    /// <summary>One row's nonzeros over batch columns [b0, stop) (fewer than eight vectors): four x rows share each dy load.</summary>
    private static unsafe void DotSpan<TS, TV>(int* idx, float* d, float* x, float* outv, int batch, int q, int end, int b0, int stop, bool accumulate)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        for (; q + 3 < end; q += 4)
        {
            float* x0 = x + (nint)idx[q] * batch, x1 = x + (nint)idx[q + 1] * batch;
            float* x2 = x + (nint)idx[q + 2] * batch, x3 = x + (nint)idx[q + 3] * batch;
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero;
            for (int b = b0; b < stop; b += w)
            {
                TV dv = TS.Load(d + b);
                s0 = TS.MultiplyAddEstimate(dv, TS.Load(x0 + b), s0);
                s1 = TS.MultiplyAddEstimate(dv, TS.Load(x1 + b), s1);
                s2 = TS.MultiplyAddEstimate(dv, TS.Load(x2 + b), s2);
                s3 = TS.MultiplyAddEstimate(dv, TS.Load(x3 + b), s3);
            }
            Write(outv + q, TS.Sum(s0), accumulate);
            Write(outv + q + 1, TS.Sum(s1), accumulate);
            Write(outv + q + 2, TS.Sum(s2), accumulate);
            Write(outv + q + 3, TS.Sum(s3), accumulate);
        }
        for (; q < end; q++)
            Write(outv + q, Dot<TS, TV>(d, x + (nint)idx[q] * batch, b0, stop), accumulate);
    }

    /// <summary>
    /// For q in [q0, q1): outv[q] (=|+=) Σ_b dy[rowIdx[q], b]·x[colIdx[q], b] over the whole vectors of [b0, bEnd).
    /// This is the SDDMM at an arbitrary list of positions (growth candidates).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // full opts on the first call: tier-0 loops would be ~10× slower
    internal static unsafe int DotPairs<TS, TV>(int* rowIdx, int* colIdx, float* dy, float* x, float* outv,
        int q0, int q1, int batch, int b0, int bEnd, bool accumulate)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        int stop = b0 + (bEnd - b0) / w * w;
        if (stop == b0) return b0;
        int q = q0;
        for (; q + 3 < q1; q += 4)
        {
            float* d0 = dy + (nint)rowIdx[q] * batch, d1 = dy + (nint)rowIdx[q + 1] * batch;
            float* d2 = dy + (nint)rowIdx[q + 2] * batch, d3 = dy + (nint)rowIdx[q + 3] * batch;
            float* x0 = x + (nint)colIdx[q] * batch, x1 = x + (nint)colIdx[q + 1] * batch;
            float* x2 = x + (nint)colIdx[q + 2] * batch, x3 = x + (nint)colIdx[q + 3] * batch;
            TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero;
            for (int b = b0; b < stop; b += w)
            {
                s0 = TS.MultiplyAddEstimate(TS.Load(d0 + b), TS.Load(x0 + b), s0);
                s1 = TS.MultiplyAddEstimate(TS.Load(d1 + b), TS.Load(x1 + b), s1);
                s2 = TS.MultiplyAddEstimate(TS.Load(d2 + b), TS.Load(x2 + b), s2);
                s3 = TS.MultiplyAddEstimate(TS.Load(d3 + b), TS.Load(x3 + b), s3);
            }
            Write(outv + q, TS.Sum(s0), accumulate);
            Write(outv + q + 1, TS.Sum(s1), accumulate);
            Write(outv + q + 2, TS.Sum(s2), accumulate);
            Write(outv + q + 3, TS.Sum(s3), accumulate);
        }
        for (; q < q1; q++)
            Write(outv + q, Dot<TS, TV>(dy + (nint)rowIdx[q] * batch, x + (nint)colIdx[q] * batch, b0, stop), accumulate);
        return stop;
    }

    private static unsafe float Dot<TS, TV>(float* a, float* b, int from, int to)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        TV s0 = TS.Zero, s1 = TS.Zero;
        int i = from;
        for (; i + 2 * w <= to; i += 2 * w)
        {
            s0 = TS.MultiplyAddEstimate(TS.Load(a + i), TS.Load(b + i), s0);
            s1 = TS.MultiplyAddEstimate(TS.Load(a + i + w), TS.Load(b + i + w), s1);
        }
        if (i < to) s0 = TS.MultiplyAddEstimate(TS.Load(a + i), TS.Load(b + i), s0);
        return TS.Sum(TS.Add(s0, s1));
    }

    private static unsafe void Write(float* p, float v, bool accumulate) => *p = accumulate ? *p + v : v;

    // Later passes add to what the first pass wrote, so only the first honours accumulate=false.
    internal static unsafe void DotRowsWidths(int* ptr, int* idx, float* dy, float* x, float* outv, int r0, int r1, int batch, bool accumulate)
    {
        int b = 0;
        if (Vector512.IsHardwareAccelerated && batch - b >= 16)
            b = DotRows<V512, Vector512<float>>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
        if (Vector256.IsHardwareAccelerated && batch - b >= 8)
            b = DotRows<V256, Vector256<float>>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
        if (Vector128.IsHardwareAccelerated && batch - b >= 4)
            b = DotRows<V128, Vector128<float>>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
        if (b < batch)
            DotRows<V1, float>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
    }

    internal static unsafe void DotPairsWidths(int* rowIdx, int* colIdx, float* dy, float* x, float* outv, int q0, int q1, int batch, bool accumulate)
    {
        int b = 0;
        if (Vector512.IsHardwareAccelerated && batch - b >= 16)
            b = DotPairs<V512, Vector512<float>>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
        if (Vector256.IsHardwareAccelerated && batch - b >= 8)
            b = DotPairs<V256, Vector256<float>>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
        if (Vector128.IsHardwareAccelerated && batch - b >= 4)
            b = DotPairs<V128, Vector128<float>>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
        if (b < batch)
            DotPairs<V1, float>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
    }
}
