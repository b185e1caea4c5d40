// The hot loops of the CSR kernels, written once over the width abstraction in CsrSimd.cs.
// Each loop covers a range of rows (or positions) and a range of batch columns in whole vectors, and returns
// the first column it did not cover, so the caller can hand the tail to a narrower width (see Csr.*Widths).
// Deliberately not here: argument checks (done once by the public entries) and threading (CsrWorkers.cs).
// Everything is raw pointers because the parallel jobs cannot carry spans across threads; the entries pin.
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>
    /// For major rows r in [r0, r1): out[r, b..] (=|+=) Σ_q values[map(q)]·src[idx[q], b..], q in ptr[r]..ptr[r+1].
    /// This is SpMM on CSR (identity map) and the transposed SpMM on the CSC view (permutation map).
    /// </summary>
    internal static unsafe int AxpyRows<TS, TV, TMap>(int* ptr, int* idx, int* perm, float* values, float* src, float* dst,
        int r0, int r1, int batch, int b, int bEnd, bool accumulate)
        where TS : struct, ISimd<TV> where TV : struct where TMap : struct, IValueMap
    {
        int w = TS.Count;
        // Register tile of 4 vectors per row; the batch-tile loop is outermost so that the src tile
        // (minor × 4w floats) stays in L2 while every row in the range reuses it.
        for (; b + 4 * w <= bEnd; b += 4 * w)
        {
            for (int r = r0; r < r1; r++)
            {
                float* o = dst + (nint)r * batch + b;
                TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                TV c0 = TS.Zero, c1 = TS.Zero, c2 = TS.Zero, c3 = TS.Zero;
                if (accumulate)
                {
                    a0 = TS.Load(o); a1 = TS.Load(o + w); a2 = TS.Load(o + 2 * w); a3 = TS.Load(o + 3 * w);
                }
                int q = ptr[r], end = ptr[r + 1];
                // Two nonzeros per step into separate accumulator sets: eight independent FMA chains hide latency.
                for (; q + 1 < end; q += 2)
                {
                    float* s0 = src + (nint)idx[q] * batch + b;
                    float* s1 = src + (nint)idx[q + 1] * batch + b;
                    TV v0 = TS.Broadcast(values[TMap.Map(perm, q)]);
                    TV v1 = TS.Broadcast(values[TMap.Map(perm, q + 1)]);
                    a0 = TS.MulAdd(v0, TS.Load(s0), a0);
                    a1 = TS.MulAdd(v0, TS.Load(s0 + w), a1);
                    a2 = TS.MulAdd(v0, TS.Load(s0 + 2 * w), a2);
                    a3 = TS.MulAdd(v0, TS.Load(s0 + 3 * w), a3);
                    c0 = TS.MulAdd(v1, TS.Load(s1), c0);
                    c1 = TS.MulAdd(v1, TS.Load(s1 + w), c1);
                    c2 = TS.MulAdd(v1, TS.Load(s1 + 2 * w), c2);
                    c3 = TS.MulAdd(v1, TS.Load(s1 + 3 * w), c3);
                }
                if (q < end)
                {
                    float* s0 = src + (nint)idx[q] * batch + b;
                    TV v0 = TS.Broadcast(values[TMap.Map(perm, q)]);
                    a0 = TS.MulAdd(v0, TS.Load(s0), a0);
                    a1 = TS.MulAdd(v0, TS.Load(s0 + w), a1);
                    a2 = TS.MulAdd(v0, TS.Load(s0 + 2 * w), a2);
                    a3 = TS.MulAdd(v0, TS.Load(s0 + 3 * w), a3);
                }
                TS.Store(o, TS.Add(a0, c0));
                TS.Store(o + w, TS.Add(a1, c1));
                TS.Store(o + 2 * w, TS.Add(a2, c2));
                TS.Store(o + 3 * w, TS.Add(a3, c3));
            }
        }
        // Fewer than four vectors left: one vector per row, four nonzeros per step for independent chains.
        for (; b + w <= bEnd; b += w)
        {
            for (int r = r0; r < r1; r++)
            {
                float* o = dst + (nint)r * batch + b;
                TV a0 = accumulate ? TS.Load(o) : TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                int q = ptr[r], end = ptr[r + 1];
                for (; q + 3 < end; q += 4)
                {
                    a0 = TS.MulAdd(TS.Broadcast(values[TMap.Map(perm, q)]), TS.Load(src + (nint)idx[q] * batch + b), a0);
                    a1 = TS.MulAdd(TS.Broadcast(values[TMap.Map(perm, q + 1)]), TS.Load(src + (nint)idx[q + 1] * batch + b), a1);
                    a2 = TS.MulAdd(TS.Broadcast(values[TMap.Map(perm, q + 2)]), TS.Load(src + (nint)idx[q + 2] * batch + b), a2);
                    a3 = TS.MulAdd(TS.Broadcast(values[TMap.Map(perm, q + 3)]), TS.Load(src + (nint)idx[q + 3] * batch + b), a3);
                }
                for (; q < end; q++)
                    a0 = TS.MulAdd(TS.Broadcast(values[TMap.Map(perm, q)]), TS.Load(src + (nint)idx[q] * batch + b), a0);
                TS.Store(o, TS.Add(TS.Add(a0, a1), TS.Add(a2, a3)));
            }
        }
        return b;
    }

    /// <summary>
    /// For rows r in [r0, r1) and q in ptr[r]..ptr[r+1]: outv[q] (=|+=) Σ_b dy[r, b]·x[idx[q], b] over the
    /// whole vectors of [b0, bEnd). This is the SDDMM at the active positions.
    /// </summary>
    internal static unsafe int DotRows<TS, TV>(int* ptr, int* idx, float* dy, float* x, float* outv,
        int r0, int r1, int batch, int b0, int bEnd, bool accumulate)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        int stop = b0 + (bEnd - b0) / w * w;
        if (stop == b0) return b0;
        for (int r = r0; r < r1; r++)
        {
            float* d = dy + (nint)r * batch;
            int q = ptr[r], end = ptr[r + 1];
            // Four nonzeros share each load of the dy row (it stays in L1 for the whole row).
            for (; q + 3 < end; q += 4)
            {
                float* x0 = x + (nint)idx[q] * batch, x1 = x + (nint)idx[q + 1] * batch;
                float* x2 = x + (nint)idx[q + 2] * batch, x3 = x + (nint)idx[q + 3] * batch;
                TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero;
                for (int b = b0; b < stop; b += w)
                {
                    TV dv = TS.Load(d + b);
                    s0 = TS.MulAdd(dv, TS.Load(x0 + b), s0);
                    s1 = TS.MulAdd(dv, TS.Load(x1 + b), s1);
                    s2 = TS.MulAdd(dv, TS.Load(x2 + b), s2);
                    s3 = TS.MulAdd(dv, TS.Load(x3 + b), s3);
                }
                Write(outv + q, TS.Sum(s0), accumulate);
                Write(outv + q + 1, TS.Sum(s1), accumulate);
                Write(outv + q + 2, TS.Sum(s2), accumulate);
                Write(outv + q + 3, TS.Sum(s3), accumulate);
            }
            for (; q < end; q++)
                Write(outv + q, Dot<TS, TV>(d, x + (nint)idx[q] * batch, b0, stop), accumulate);
        }
        return stop;
    }

    /// <summary>
    /// For q in [q0, q1): outv[q] (=|+=) Σ_b dy[rowIdx[q], b]·x[colIdx[q], b] over the whole vectors of [b0, bEnd).
    /// This is the SDDMM at an arbitrary list of positions (growth candidates).
    /// </summary>
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
                s0 = TS.MulAdd(TS.Load(d0 + b), TS.Load(x0 + b), s0);
                s1 = TS.MulAdd(TS.Load(d1 + b), TS.Load(x1 + b), s1);
                s2 = TS.MulAdd(TS.Load(d2 + b), TS.Load(x2 + b), s2);
                s3 = TS.MulAdd(TS.Load(d3 + b), TS.Load(x3 + b), s3);
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
            s0 = TS.MulAdd(TS.Load(a + i), TS.Load(b + i), s0);
            s1 = TS.MulAdd(TS.Load(a + i + w), TS.Load(b + i + w), s1);
        }
        if (i < to) s0 = TS.MulAdd(TS.Load(a + i), TS.Load(b + i), s0);
        return TS.Sum(TS.Add(s0, s1));
    }

    private static unsafe void Write(float* p, float v, bool accumulate) => *p = accumulate ? *p + v : v;

    // ---- width cascades: widest vector over as much of the batch as fits, then narrower ones over the tail ----

    internal static unsafe void AxpyWidths<TMap>(int* ptr, int* idx, int* perm, float* values, float* src, float* dst,
        int r0, int r1, int batch, bool accumulate) where TMap : struct, IValueMap
    {
        int b = 0;
        if (Vector512.IsHardwareAccelerated && batch - b >= 16)
            b = AxpyRows<Simd512, Vector512<float>, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate);
        if (Vector256.IsHardwareAccelerated && batch - b >= 8)
            b = AxpyRows<Simd256, Vector256<float>, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate);
        if (Vector128.IsHardwareAccelerated && batch - b >= 4)
            b = AxpyRows<Simd128, Vector128<float>, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate);
        if (b < batch)
            AxpyRows<Simd1, float, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate);
    }

    // Later passes add to what the first pass wrote, so only the first honours accumulate=false.
    internal static unsafe void DotRowsWidths(int* ptr, int* idx, float* dy, float* x, float* outv, int r0, int r1, int batch, bool accumulate)
    {
        int b = 0;
        if (Vector512.IsHardwareAccelerated && batch - b >= 16)
            b = DotRows<Simd512, Vector512<float>>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
        if (Vector256.IsHardwareAccelerated && batch - b >= 8)
            b = DotRows<Simd256, Vector256<float>>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
        if (Vector128.IsHardwareAccelerated && batch - b >= 4)
            b = DotRows<Simd128, Vector128<float>>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
        if (b < batch)
            DotRows<Simd1, float>(ptr, idx, dy, x, outv, r0, r1, batch, b, batch, accumulate || b > 0);
    }

    internal static unsafe void DotPairsWidths(int* rowIdx, int* colIdx, float* dy, float* x, float* outv, int q0, int q1, int batch, bool accumulate)
    {
        int b = 0;
        if (Vector512.IsHardwareAccelerated && batch - b >= 16)
            b = DotPairs<Simd512, Vector512<float>>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
        if (Vector256.IsHardwareAccelerated && batch - b >= 8)
            b = DotPairs<Simd256, Vector256<float>>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
        if (Vector128.IsHardwareAccelerated && batch - b >= 4)
            b = DotPairs<Simd128, Vector128<float>>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
        if (b < batch)
            DotPairs<Simd1, float>(rowIdx, colIdx, dy, x, outv, q0, q1, batch, b, batch, accumulate || b > 0);
    }
}
