// The hot loop of SpMM and of the transposed SpMM: out[r, ·] (=|+=) Σ_q value(q)·src[idx[q], ·], one length-batch
// AXPY per nonzero. Written once over the width abstraction (Simd.cs) and the value map (identity for CSR,
// permutation for the CSC view). Deliberately not here: argument checks (Csr.cs) and threading (CsrWorkers.cs).
//
// Why this shape (measured on 4096×4096, batch 256, density 5%, one Zen 5 core):
// the loop is bound by loading src rows (one load per FMA, no register reuse is possible), so what matters is
// streaming each src row contiguously and keeping the output row in registers for the whole row of W.
// Rows outermost with a 16-vector register tile beat a batch-tile-outer order by ~1.4×; column blocking for L2
// did not pay (the output row must then be reloaded per block).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>
    /// For major rows r in [r0, r1) and batch columns [b, bEnd) in whole vectors:
    /// dst[r, ·] (=|+=) Σ_q values[map(q)]·src[idx[q], ·], q in ptr[r] up to ptr[r+1]. Returns the first column not done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // full opts on the first call: tier-0 loops would be ~10× slower
    internal static unsafe int AxpyRows<TS, TV, TMap>(int* ptr, int* idx, int* perm, float* values, float* src, float* dst,
        int r0, int r1, int batch, int b, int bEnd, bool accumulate, in Epilogue epilogue)
        where TS : struct, ISimd<TV> where TV : struct where TMap : struct, IValueMap
    {
        int w = TS.Count, vectors = (bEnd - b) / w;
        if (vectors == 0) return b;
        int last = ptr[r1]; // prefetches look ahead at most to the end of this range's nonzeros
        for (int r = r0; r < r1; r++)
        {
            int q0 = ptr[r], q1 = ptr[r + 1];
            float* o = dst + (nint)r * batch + b;
            float* s = src + b;
            int left = vectors;
            var e = epilogue.For<TS, TV>(r);
            // Widest register tile first; each tile walks the row's nonzeros once (their indices stay in L1).
            for (; left >= 16; left -= 16, o += 16 * w, s += 16 * w) Tile16<TS, TV, TMap>(idx, perm, values, s, o, batch, q0, q1, last, accumulate, e);
            if (left >= 8) { Tile8<TS, TV, TMap>(idx, perm, values, s, o, batch, q0, q1, last, accumulate, e); left -= 8; o += 8 * w; s += 8 * w; }
            if (left >= 4) { Tile4<TS, TV, TMap>(idx, perm, values, s, o, batch, q0, q1, accumulate, e); left -= 4; o += 4 * w; s += 4 * w; }
            for (; left > 0; left--, o += w, s += w) Tile1<TS, TV, TMap>(idx, perm, values, s, o, batch, q0, q1, accumulate, e);
        }
        return b + vectors * w;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see TileJit
    private static unsafe void Tile16<TS, TV, TMap>(int* idx, int* perm, float* values, float* s, float* o, int batch, int q, int end, int last, bool accumulate, RowEpilogue<TV> e)
        where TS : struct, ISimd<TV> where TV : struct where TMap : struct, IValueMap
    {
        // Sixteen independent accumulators: enough FMA chains without unrolling over nonzeros.
        int w = TS.Count;
        TV a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
        if (accumulate)
        {
            a0 = TS.Load(o); a1 = TS.Load(o + w); a2 = TS.Load(o + 2 * w); a3 = TS.Load(o + 3 * w);
            a4 = TS.Load(o + 4 * w); a5 = TS.Load(o + 5 * w); a6 = TS.Load(o + 6 * w); a7 = TS.Load(o + 7 * w);
            a8 = TS.Load(o + 8 * w); a9 = TS.Load(o + 9 * w); a10 = TS.Load(o + 10 * w); a11 = TS.Load(o + 11 * w);
            a12 = TS.Load(o + 12 * w); a13 = TS.Load(o + 13 * w); a14 = TS.Load(o + 14 * w); a15 = TS.Load(o + 15 * w);
        }
        else
        {
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = a10 = a11 = a12 = a13 = a14 = a15 = TS.Zero;
        }
        for (; q < end; q++)
        {
            float* x = s + (nint)idx[q] * batch;
            if (q + PrefetchDistance < last) Prefetch(s + (nint)idx[q + PrefetchDistance] * batch, 16 * w);
            TV v = TS.Splat(values[TMap.Map(perm, q)]);
            a0 = TS.MultiplyAddEstimate(v, TS.Load(x), a0); a1 = TS.MultiplyAddEstimate(v, TS.Load(x + w), a1);
            a2 = TS.MultiplyAddEstimate(v, TS.Load(x + 2 * w), a2); a3 = TS.MultiplyAddEstimate(v, TS.Load(x + 3 * w), a3);
            a4 = TS.MultiplyAddEstimate(v, TS.Load(x + 4 * w), a4); a5 = TS.MultiplyAddEstimate(v, TS.Load(x + 5 * w), a5);
            a6 = TS.MultiplyAddEstimate(v, TS.Load(x + 6 * w), a6); a7 = TS.MultiplyAddEstimate(v, TS.Load(x + 7 * w), a7);
            a8 = TS.MultiplyAddEstimate(v, TS.Load(x + 8 * w), a8); a9 = TS.MultiplyAddEstimate(v, TS.Load(x + 9 * w), a9);
            a10 = TS.MultiplyAddEstimate(v, TS.Load(x + 10 * w), a10); a11 = TS.MultiplyAddEstimate(v, TS.Load(x + 11 * w), a11);
            a12 = TS.MultiplyAddEstimate(v, TS.Load(x + 12 * w), a12); a13 = TS.MultiplyAddEstimate(v, TS.Load(x + 13 * w), a13);
            a14 = TS.MultiplyAddEstimate(v, TS.Load(x + 14 * w), a14); a15 = TS.MultiplyAddEstimate(v, TS.Load(x + 15 * w), a15);
        }
        TS.Store(e.Apply<TS>(a0), o); TS.Store(e.Apply<TS>(a1), o + w); TS.Store(e.Apply<TS>(a2), o + 2 * w); TS.Store(e.Apply<TS>(a3), o + 3 * w);
        TS.Store(e.Apply<TS>(a4), o + 4 * w); TS.Store(e.Apply<TS>(a5), o + 5 * w); TS.Store(e.Apply<TS>(a6), o + 6 * w); TS.Store(e.Apply<TS>(a7), o + 7 * w);
        TS.Store(e.Apply<TS>(a8), o + 8 * w); TS.Store(e.Apply<TS>(a9), o + 9 * w); TS.Store(e.Apply<TS>(a10), o + 10 * w); TS.Store(e.Apply<TS>(a11), o + 11 * w);
        TS.Store(e.Apply<TS>(a12), o + 12 * w); TS.Store(e.Apply<TS>(a13), o + 13 * w); TS.Store(e.Apply<TS>(a14), o + 14 * w); TS.Store(e.Apply<TS>(a15), o + 15 * w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see TileJit
    private static unsafe void Tile8<TS, TV, TMap>(int* idx, int* perm, float* values, float* s, float* o, int batch, int q, int end, int last, bool accumulate, RowEpilogue<TV> e)
        where TS : struct, ISimd<TV> where TV : struct where TMap : struct, IValueMap
    {
        int w = TS.Count;
        TV a0, a1, a2, a3, a4, a5, a6, a7;
        if (accumulate)
        {
            a0 = TS.Load(o); a1 = TS.Load(o + w); a2 = TS.Load(o + 2 * w); a3 = TS.Load(o + 3 * w);
            a4 = TS.Load(o + 4 * w); a5 = TS.Load(o + 5 * w); a6 = TS.Load(o + 6 * w); a7 = TS.Load(o + 7 * w);
        }
        else
        {
            a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = TS.Zero;
        }
        for (; q < end; q++)
        {
            float* x = s + (nint)idx[q] * batch;
            if (q + PrefetchDistance < last) Prefetch(s + (nint)idx[q + PrefetchDistance] * batch, 8 * w);
            TV v = TS.Splat(values[TMap.Map(perm, q)]);
            a0 = TS.MultiplyAddEstimate(v, TS.Load(x), a0); a1 = TS.MultiplyAddEstimate(v, TS.Load(x + w), a1);
            a2 = TS.MultiplyAddEstimate(v, TS.Load(x + 2 * w), a2); a3 = TS.MultiplyAddEstimate(v, TS.Load(x + 3 * w), a3);
            a4 = TS.MultiplyAddEstimate(v, TS.Load(x + 4 * w), a4); a5 = TS.MultiplyAddEstimate(v, TS.Load(x + 5 * w), a5);
            a6 = TS.MultiplyAddEstimate(v, TS.Load(x + 6 * w), a6); a7 = TS.MultiplyAddEstimate(v, TS.Load(x + 7 * w), a7);
        }
        TS.Store(e.Apply<TS>(a0), o); TS.Store(e.Apply<TS>(a1), o + w); TS.Store(e.Apply<TS>(a2), o + 2 * w); TS.Store(e.Apply<TS>(a3), o + 3 * w);
        TS.Store(e.Apply<TS>(a4), o + 4 * w); TS.Store(e.Apply<TS>(a5), o + 5 * w); TS.Store(e.Apply<TS>(a6), o + 6 * w); TS.Store(e.Apply<TS>(a7), o + 7 * w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see TileJit
    private static unsafe void Tile4<TS, TV, TMap>(int* idx, int* perm, float* values, float* s, float* o, int batch, int q, int end, bool accumulate, RowEpilogue<TV> e)
        where TS : struct, ISimd<TV> where TV : struct where TMap : struct, IValueMap
    {
        // Four vectors: two nonzeros per step into separate accumulator sets, for eight chains.
        int w = TS.Count;
        TV a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero, c0 = TS.Zero, c1 = TS.Zero, c2 = TS.Zero, c3 = TS.Zero;
        if (accumulate)
        {
            a0 = TS.Load(o); a1 = TS.Load(o + w); a2 = TS.Load(o + 2 * w); a3 = TS.Load(o + 3 * w);
        }
        for (; q + 1 < end; q += 2)
        {
            float* x0 = s + (nint)idx[q] * batch, x1 = s + (nint)idx[q + 1] * batch;
            TV v0 = TS.Splat(values[TMap.Map(perm, q)]), v1 = TS.Splat(values[TMap.Map(perm, q + 1)]);
            a0 = TS.MultiplyAddEstimate(v0, TS.Load(x0), a0); a1 = TS.MultiplyAddEstimate(v0, TS.Load(x0 + w), a1);
            a2 = TS.MultiplyAddEstimate(v0, TS.Load(x0 + 2 * w), a2); a3 = TS.MultiplyAddEstimate(v0, TS.Load(x0 + 3 * w), a3);
            c0 = TS.MultiplyAddEstimate(v1, TS.Load(x1), c0); c1 = TS.MultiplyAddEstimate(v1, TS.Load(x1 + w), c1);
            c2 = TS.MultiplyAddEstimate(v1, TS.Load(x1 + 2 * w), c2); c3 = TS.MultiplyAddEstimate(v1, TS.Load(x1 + 3 * w), c3);
        }
        if (q < end)
        {
            float* x0 = s + (nint)idx[q] * batch;
            TV v0 = TS.Splat(values[TMap.Map(perm, q)]);
            a0 = TS.MultiplyAddEstimate(v0, TS.Load(x0), a0); a1 = TS.MultiplyAddEstimate(v0, TS.Load(x0 + w), a1);
            a2 = TS.MultiplyAddEstimate(v0, TS.Load(x0 + 2 * w), a2); a3 = TS.MultiplyAddEstimate(v0, TS.Load(x0 + 3 * w), a3);
        }
        TS.Store(e.Apply<TS>(TS.Add(a0, c0)), o); TS.Store(e.Apply<TS>(TS.Add(a1, c1)), o + w);
        TS.Store(e.Apply<TS>(TS.Add(a2, c2)), o + 2 * w); TS.Store(e.Apply<TS>(TS.Add(a3, c3)), o + 3 * w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see TileJit
    private static unsafe void Tile1<TS, TV, TMap>(int* idx, int* perm, float* values, float* s, float* o, int batch, int q, int end, bool accumulate, RowEpilogue<TV> e)
        where TS : struct, ISimd<TV> where TV : struct where TMap : struct, IValueMap
    {
        // One vector: four nonzeros per step into four accumulators.
        TV a0 = accumulate ? TS.Load(o) : TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
        for (; q + 3 < end; q += 4)
        {
            a0 = TS.MultiplyAddEstimate(TS.Splat(values[TMap.Map(perm, q)]), TS.Load(s + (nint)idx[q] * batch), a0);
            a1 = TS.MultiplyAddEstimate(TS.Splat(values[TMap.Map(perm, q + 1)]), TS.Load(s + (nint)idx[q + 1] * batch), a1);
            a2 = TS.MultiplyAddEstimate(TS.Splat(values[TMap.Map(perm, q + 2)]), TS.Load(s + (nint)idx[q + 2] * batch), a2);
            a3 = TS.MultiplyAddEstimate(TS.Splat(values[TMap.Map(perm, q + 3)]), TS.Load(s + (nint)idx[q + 3] * batch), a3);
        }
        for (; q < end; q++)
            a0 = TS.MultiplyAddEstimate(TS.Splat(values[TMap.Map(perm, q)]), TS.Load(s + (nint)idx[q] * batch), a0);
        TS.Store(e.Apply<TS>(TS.Add(TS.Add(a0, a1), TS.Add(a2, a3))), o);
    }

    // TileJit: the tiles (here, in CsrDotLoops.cs and CsrBackwardLoops.cs) are compiled with full optimization on their
    // first call rather than inlined. They used to be marked for inlining, but the callers inline only what fits their
    // budget; a tile left out was then an ordinary method that started in tier-0 code, ~10× slower, until tiering
    // promoted it (e.g. Tile8, the whole forward at batch 128, ran tier-0 for LeNet's first epoch). One call per row
    // and tile costs nothing next to the row's nonzeros.

    /// <summary>
    /// How many nonzeros ahead the wide tiles prefetch their src row. 8 beat 4 by ~5–8% (one core, 4096², 5%, batch 256,
    /// and random rows of a 100 MB operand at batch 128); 16 was slower again.
    /// </summary>
    private const int PrefetchDistance = 8;

    /// <summary>
    /// Asks for <paramref name="floats"/> (at most 256) floats at <paramref name="p"/> to be brought into cache: one hint
    /// every 256 bytes, the hardware's adjacent-line and stream prefetchers fetch the rest. A hint never faults.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(float* p, int floats)
    {
        // Written out rather than looped: floats is a JIT-time constant (a multiple of the vector width, at most
        // 256), so the tests fold away, while a loop stayed a loop and cost the fused backward several percent.
        if (!Sse.IsSupported) return;
        Sse.Prefetch0(p);
        if (floats > 64) Sse.Prefetch0(p + 64);
        if (floats > 128) Sse.Prefetch0(p + 128);
        if (floats > 192) Sse.Prefetch0(p + 192);
    }

    /// <summary>Widest vector over as much of the batch as fits, then narrower ones over the tail.</summary>
    internal static unsafe void AxpyWidths<TMap>(int* ptr, int* idx, int* perm, float* values, float* src, float* dst,
        int r0, int r1, int batch, bool accumulate, in Epilogue epilogue) where TMap : struct, IValueMap
    {
        int b = 0;
        if (Vector512.IsHardwareAccelerated && batch - b >= 16)
            b = AxpyRows<V512, Vector512<float>, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate, epilogue);
        if (Vector256.IsHardwareAccelerated && batch - b >= 8)
            b = AxpyRows<V256, Vector256<float>, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate, epilogue);
        if (Vector128.IsHardwareAccelerated && batch - b >= 4)
            b = AxpyRows<V128, Vector128<float>, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate, epilogue);
        if (b < batch)
            AxpyRows<V1, float, TMap>(ptr, idx, perm, values, src, dst, r0, r1, batch, b, batch, accumulate, epilogue);
    }
}
