// The hot loop of the fused SpMM backward: for each column c of W (the CSC view) and each of its nonzeros
// (r, p), dx[c] += values[p]·dy[r] and dValues[p] (=|+=) dy[r]·x[c]. Both products read the same dy row, so it
// is loaded once for two FMAs per element instead of once per kernel; x[c] and the dx[c] accumulator stay in
// registers. Written once over the width abstraction (Simd.cs); checks are in Csr.cs, threading in CsrWorkers.cs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>
    /// For columns c in [c0, c1) and batch columns [b, bEnd) in whole vectors: dx[c, ·] (=|+=) Σ values[perm[q]]·dy[ridx[q], ·]
    /// and dvals[perm[q]] (=|+=) Σ_b dy[ridx[q], b]·x[c, b] over q in cptr[c] up to cptr[c+1]. Returns the first column not done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // full opts on the first call: tier-0 loops would be ~10× slower
    internal static unsafe int BackwardColumns<TS, TV>(int* cptr, int* ridx, int* perm, float* values, float* x, float* dy,
        float* dx, float* dvals, int c0, int c1, int batch, int b, int bEnd, bool accumulateDx, bool accumulateDw)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count, vectors = (bEnd - b) / w;
        if (vectors == 0) return b;
        int last = cptr[c1]; // prefetches look ahead at most to the end of this range's nonzeros
        for (int c = c0; c < c1; c++)
        {
            int q0 = cptr[c], q1 = cptr[c + 1];
            float* xc = x + (nint)c * batch + b, o = dx + (nint)c * batch + b, s = dy + b;
            int left = vectors;
            bool dwAcc = accumulateDw; // the first batch chunk honours the flag, later chunks add their partial dots
            for (; left >= 8; left -= 8, xc += 8 * w, o += 8 * w, s += 8 * w, dwAcc = true)
                Back8<TS, TV>(ridx, perm, values, s, xc, o, dvals, batch, q0, q1, last, accumulateDx, dwAcc);
            for (; left > 0; left--, xc += w, o += w, s += w, dwAcc = true)
                Back1<TS, TV>(ridx, perm, values, s, xc, o, dvals, batch, q0, q1, accumulateDx, dwAcc);
        }
        return b + vectors * w;
    }

    /// <summary>
    /// Eight vectors of x[c] and of the dx[c] accumulator in registers; each dy row chunk is loaded once for both
    /// products. (A sixteen-vector variant with x read from L1 measured 1.2× slower at batch 256.)
    /// Four nonzeros per step share one four-way horizontal sum (<see cref="ISimd{TVec}.Sum4"/>) for their dots; with the
    /// prefetch reaching across columns this made the backward ~1.1× faster at 4096², 5%, batch 256 and ~1.2× with
    /// random rows of a 100 MB dy (one core; docs/BENCHMARKS.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // too large to inline; full opts from the first call
    private static unsafe void Back8<TS, TV>(int* ridx, int* perm, float* values, float* s, float* xc, float* o, float* dvals,
        int batch, int q, int end, int last, bool accumulateDx, bool accumulateDw)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        TV x0 = TS.Load(xc), x1 = TS.Load(xc + w), x2 = TS.Load(xc + 2 * w), x3 = TS.Load(xc + 3 * w);
        TV x4 = TS.Load(xc + 4 * w), x5 = TS.Load(xc + 5 * w), x6 = TS.Load(xc + 6 * w), x7 = TS.Load(xc + 7 * w);
        TV a0, a1, a2, a3, a4, a5, a6, a7;
        if (accumulateDx)
        {
            a0 = TS.Load(o); a1 = TS.Load(o + w); a2 = TS.Load(o + 2 * w); a3 = TS.Load(o + 3 * w);
            a4 = TS.Load(o + 4 * w); a5 = TS.Load(o + 5 * w); a6 = TS.Load(o + 6 * w); a7 = TS.Load(o + 7 * w);
        }
        else
        {
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = TS.Zero;
        }
        for (; q + 3 < end; q += 4)
        {
            TV t0, t1, t2, t3;
            {
                float* d = s + (nint)ridx[q] * batch;
                if (q + BackwardPrefetchDistance < last) Prefetch(s + (nint)ridx[q + BackwardPrefetchDistance] * batch, 8 * w);
                TV v = TS.Splat(values[perm[q]]);
                TV d0 = TS.Load(d), d1 = TS.Load(d + w), d2 = TS.Load(d + 2 * w), d3 = TS.Load(d + 3 * w);
                TV d4 = TS.Load(d + 4 * w), d5 = TS.Load(d + 5 * w), d6 = TS.Load(d + 6 * w), d7 = TS.Load(d + 7 * w);
                a0 = TS.MultiplyAddEstimate(v, d0, a0); a1 = TS.MultiplyAddEstimate(v, d1, a1); a2 = TS.MultiplyAddEstimate(v, d2, a2); a3 = TS.MultiplyAddEstimate(v, d3, a3);
                a4 = TS.MultiplyAddEstimate(v, d4, a4); a5 = TS.MultiplyAddEstimate(v, d5, a5); a6 = TS.MultiplyAddEstimate(v, d6, a6); a7 = TS.MultiplyAddEstimate(v, d7, a7);
                t0 = Dot8<TS, TV>(d0, d1, d2, d3, d4, d5, d6, d7, x0, x1, x2, x3, x4, x5, x6, x7);
            }
            {
                float* d = s + (nint)ridx[q + 1] * batch;
                if (q + 1 + BackwardPrefetchDistance < last) Prefetch(s + (nint)ridx[q + 1 + BackwardPrefetchDistance] * batch, 8 * w);
                TV v = TS.Splat(values[perm[q + 1]]);
                TV d0 = TS.Load(d), d1 = TS.Load(d + w), d2 = TS.Load(d + 2 * w), d3 = TS.Load(d + 3 * w);
                TV d4 = TS.Load(d + 4 * w), d5 = TS.Load(d + 5 * w), d6 = TS.Load(d + 6 * w), d7 = TS.Load(d + 7 * w);
                a0 = TS.MultiplyAddEstimate(v, d0, a0); a1 = TS.MultiplyAddEstimate(v, d1, a1); a2 = TS.MultiplyAddEstimate(v, d2, a2); a3 = TS.MultiplyAddEstimate(v, d3, a3);
                a4 = TS.MultiplyAddEstimate(v, d4, a4); a5 = TS.MultiplyAddEstimate(v, d5, a5); a6 = TS.MultiplyAddEstimate(v, d6, a6); a7 = TS.MultiplyAddEstimate(v, d7, a7);
                t1 = Dot8<TS, TV>(d0, d1, d2, d3, d4, d5, d6, d7, x0, x1, x2, x3, x4, x5, x6, x7);
            }
            {
                float* d = s + (nint)ridx[q + 2] * batch;
                if (q + 2 + BackwardPrefetchDistance < last) Prefetch(s + (nint)ridx[q + 2 + BackwardPrefetchDistance] * batch, 8 * w);
                TV v = TS.Splat(values[perm[q + 2]]);
                TV d0 = TS.Load(d), d1 = TS.Load(d + w), d2 = TS.Load(d + 2 * w), d3 = TS.Load(d + 3 * w);
                TV d4 = TS.Load(d + 4 * w), d5 = TS.Load(d + 5 * w), d6 = TS.Load(d + 6 * w), d7 = TS.Load(d + 7 * w);
                a0 = TS.MultiplyAddEstimate(v, d0, a0); a1 = TS.MultiplyAddEstimate(v, d1, a1); a2 = TS.MultiplyAddEstimate(v, d2, a2); a3 = TS.MultiplyAddEstimate(v, d3, a3);
                a4 = TS.MultiplyAddEstimate(v, d4, a4); a5 = TS.MultiplyAddEstimate(v, d5, a5); a6 = TS.MultiplyAddEstimate(v, d6, a6); a7 = TS.MultiplyAddEstimate(v, d7, a7);
                t2 = Dot8<TS, TV>(d0, d1, d2, d3, d4, d5, d6, d7, x0, x1, x2, x3, x4, x5, x6, x7);
            }
            {
                float* d = s + (nint)ridx[q + 3] * batch;
                if (q + 3 + BackwardPrefetchDistance < last) Prefetch(s + (nint)ridx[q + 3 + BackwardPrefetchDistance] * batch, 8 * w);
                TV v = TS.Splat(values[perm[q + 3]]);
                TV d0 = TS.Load(d), d1 = TS.Load(d + w), d2 = TS.Load(d + 2 * w), d3 = TS.Load(d + 3 * w);
                TV d4 = TS.Load(d + 4 * w), d5 = TS.Load(d + 5 * w), d6 = TS.Load(d + 6 * w), d7 = TS.Load(d + 7 * w);
                a0 = TS.MultiplyAddEstimate(v, d0, a0); a1 = TS.MultiplyAddEstimate(v, d1, a1); a2 = TS.MultiplyAddEstimate(v, d2, a2); a3 = TS.MultiplyAddEstimate(v, d3, a3);
                a4 = TS.MultiplyAddEstimate(v, d4, a4); a5 = TS.MultiplyAddEstimate(v, d5, a5); a6 = TS.MultiplyAddEstimate(v, d6, a6); a7 = TS.MultiplyAddEstimate(v, d7, a7);
                t3 = Dot8<TS, TV>(d0, d1, d2, d3, d4, d5, d6, d7, x0, x1, x2, x3, x4, x5, x6, x7);
            }
            var sums = TS.Sum4(t0, t1, t2, t3);
            Write(dvals + perm[q], sums.GetElement(0), accumulateDw);
            Write(dvals + perm[q + 1], sums.GetElement(1), accumulateDw);
            Write(dvals + perm[q + 2], sums.GetElement(2), accumulateDw);
            Write(dvals + perm[q + 3], sums.GetElement(3), accumulateDw);
        }
        for (; q < end; q++)
        {
            int p = perm[q];
            float* d = s + (nint)ridx[q] * batch;
            if (q + BackwardPrefetchDistance < last) Prefetch(s + (nint)ridx[q + BackwardPrefetchDistance] * batch, 8 * w);
            TV v = TS.Splat(values[p]);
            TV d0 = TS.Load(d), d1 = TS.Load(d + w), d2 = TS.Load(d + 2 * w), d3 = TS.Load(d + 3 * w);
            TV d4 = TS.Load(d + 4 * w), d5 = TS.Load(d + 5 * w), d6 = TS.Load(d + 6 * w), d7 = TS.Load(d + 7 * w);
            a0 = TS.MultiplyAddEstimate(v, d0, a0); a1 = TS.MultiplyAddEstimate(v, d1, a1); a2 = TS.MultiplyAddEstimate(v, d2, a2); a3 = TS.MultiplyAddEstimate(v, d3, a3);
            a4 = TS.MultiplyAddEstimate(v, d4, a4); a5 = TS.MultiplyAddEstimate(v, d5, a5); a6 = TS.MultiplyAddEstimate(v, d6, a6); a7 = TS.MultiplyAddEstimate(v, d7, a7);
            Write(dvals + p, TS.Sum(Dot8<TS, TV>(d0, d1, d2, d3, d4, d5, d6, d7, x0, x1, x2, x3, x4, x5, x6, x7)), accumulateDw);
        }
        TS.Store(a0, o); TS.Store(a1, o + w); TS.Store(a2, o + 2 * w); TS.Store(a3, o + 3 * w);
        TS.Store(a4, o + 4 * w); TS.Store(a5, o + 5 * w); TS.Store(a6, o + 6 * w); TS.Store(a7, o + 7 * w);
    }

    /// <summary>Σ dᵢ·xᵢ over eight vectors, in two chains: independent nonzeros overlap each other's chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Dot8<TS, TV>(TV d0, TV d1, TV d2, TV d3, TV d4, TV d5, TV d6, TV d7, TV x0, TV x1, TV x2, TV x3, TV x4, TV x5, TV x6, TV x7)
        where TS : struct, ISimd<TV> where TV : struct =>
        TS.Add(TS.MultiplyAddEstimate(d6, x6, TS.MultiplyAddEstimate(d4, x4, TS.MultiplyAddEstimate(d2, x2, TS.MultiplyAddEstimate(d0, x0, TS.Zero)))),
               TS.MultiplyAddEstimate(d7, x7, TS.MultiplyAddEstimate(d5, x5, TS.MultiplyAddEstimate(d3, x3, TS.MultiplyAddEstimate(d1, x1, TS.Zero)))));

    /// <summary>How many nonzeros ahead the fused backward prefetches its dy chunk, across column boundaries.</summary>
    private const int BackwardPrefetchDistance = 8;

    /// <summary>One vector of x[c] and dx[c]: the tail of the batch (fewer than eight vectors left).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see TileJit
    private static unsafe void Back1<TS, TV>(int* ridx, int* perm, float* values, float* s, float* xc, float* o, float* dvals,
        int batch, int q, int end, bool accumulateDx, bool accumulateDw)
        where TS : struct, ISimd<TV> where TV : struct
    {
        TV x0 = TS.Load(xc), a0 = accumulateDx ? TS.Load(o) : TS.Zero;
        for (; q < end; q++)
        {
            int p = perm[q];
            TV d0 = TS.Load(s + (nint)ridx[q] * batch);
            a0 = TS.MultiplyAddEstimate(TS.Splat(values[p]), d0, a0);
            Write(dvals + p, TS.Sum(TS.MultiplyAddEstimate(d0, x0, TS.Zero)), accumulateDw);
        }
        TS.Store(a0, o);
    }

    /// <summary>Widest vector over as much of the batch as fits, then narrower ones; later passes add their partial dots.</summary>
    internal static unsafe void BackwardWidths(int* cptr, int* ridx, int* perm, float* values, float* x, float* dy, float* dx, float* dvals,
        int c0, int c1, int batch, bool accumulateDx, bool accumulateDw)
    {
        int b = 0;
        if (Vector512.IsHardwareAccelerated && batch - b >= 16)
            b = BackwardColumns<V512, Vector512<float>>(cptr, ridx, perm, values, x, dy, dx, dvals, c0, c1, batch, b, batch, accumulateDx, accumulateDw || b > 0);
        if (Vector256.IsHardwareAccelerated && batch - b >= 8)
            b = BackwardColumns<V256, Vector256<float>>(cptr, ridx, perm, values, x, dy, dx, dvals, c0, c1, batch, b, batch, accumulateDx, accumulateDw || b > 0);
        if (Vector128.IsHardwareAccelerated && batch - b >= 4)
            b = BackwardColumns<V128, Vector128<float>>(cptr, ridx, perm, values, x, dy, dx, dvals, c0, c1, batch, b, batch, accumulateDx, accumulateDw || b > 0);
        if (b < batch)
            BackwardColumns<V1, float>(cptr, ridx, perm, values, x, dy, dx, dvals, c0, c1, batch, b, batch, accumulateDx, accumulateDw || b > 0);
    }
}
