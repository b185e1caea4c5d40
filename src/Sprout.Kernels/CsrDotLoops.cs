// The hot loops of SDDMM: one length-batch dot product per position, dy[row]·x[col]. Written once over the
// width abstraction (CsrSimd.cs). Deliberately not here: argument checks (Csr.cs) and threading (CsrWorkers.cs).
// Like SpMM this is bound by streaming x rows (one load per FMA), so the loops only make sure several
// independent rows stream at once and that a row's dy is loaded once for many nonzeros.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>
    /// For rows r in [r0, r1) and q in ptr[r]..ptr[r+1]: outv[q] (=|+=) Σ_b dy[r, b]·x[idx[q], b] over the
    /// whole vectors of [b0, bEnd). This is the SDDMM at the active positions.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // full opts on the first call: tier-0 loops would be ~10× slower
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
            // Eight (then four) nonzeros share each load of the dy row, which stays in L1 for the whole row.
            for (; q + 7 < end; q += 8)
            {
                float* x0 = x + (nint)idx[q] * batch, x1 = x + (nint)idx[q + 1] * batch;
                float* x2 = x + (nint)idx[q + 2] * batch, x3 = x + (nint)idx[q + 3] * batch;
                float* x4 = x + (nint)idx[q + 4] * batch, x5 = x + (nint)idx[q + 5] * batch;
                float* x6 = x + (nint)idx[q + 6] * batch, x7 = x + (nint)idx[q + 7] * batch;
                TV s0 = TS.Zero, s1 = TS.Zero, s2 = TS.Zero, s3 = TS.Zero, s4 = TS.Zero, s5 = TS.Zero, s6 = TS.Zero, s7 = TS.Zero;
                for (int b = b0; b < stop; b += w)
                {
                    TV dv = TS.Load(d + b);
                    s0 = TS.MulAdd(dv, TS.Load(x0 + b), s0);
                    s1 = TS.MulAdd(dv, TS.Load(x1 + b), s1);
                    s2 = TS.MulAdd(dv, TS.Load(x2 + b), s2);
                    s3 = TS.MulAdd(dv, TS.Load(x3 + b), s3);
                    s4 = TS.MulAdd(dv, TS.Load(x4 + b), s4);
                    s5 = TS.MulAdd(dv, TS.Load(x5 + b), s5);
                    s6 = TS.MulAdd(dv, TS.Load(x6 + b), s6);
                    s7 = TS.MulAdd(dv, TS.Load(x7 + b), s7);
                }
                Write(outv + q, TS.Sum(s0), accumulate);
                Write(outv + q + 1, TS.Sum(s1), accumulate);
                Write(outv + q + 2, TS.Sum(s2), accumulate);
                Write(outv + q + 3, TS.Sum(s3), accumulate);
                Write(outv + q + 4, TS.Sum(s4), accumulate);
                Write(outv + q + 5, TS.Sum(s5), accumulate);
                Write(outv + q + 6, TS.Sum(s6), accumulate);
                Write(outv + q + 7, TS.Sum(s7), accumulate);
            }
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
