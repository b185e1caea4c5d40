// GEMM micro-kernels: C[MR×NR] (=|+=) Apanel·Bpanel over kc, with the whole C tile held in registers.
// Apanel is kc×MR and Bpanel kc×NR (see Gemm.Packing.cs). Per k step the kernel loads NR/W vectors of B,
// broadcasts MR values of A and issues MR·NR/W independent FMAs, enough to cover FMA latency.
// The AVX-512 8×32 loop itself is Gemm.Tile8x32.cs, shared with the conv tap kernels; the 6×2·W kernel below,
// written once over the ISimd widths (Simd.cs), serves narrower vectors, whose 16 registers cannot hold an 8-row
// tile. Not here: edges (the driver runs full tiles on zero-padded panels into a scratch tile) and blocking.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Gemm
{
    /// <summary>8×32 tile with Vector512 on a packed B panel (<see cref="Tile8x32{TRows}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel512(int kc, float* a, float* b, float* c, nint ldc, bool add)
    {
        PrefetchTile(c, ldc, 8);
        Tile8x32(kc, a, 8, new StridedRows(b, 32), c, ldc, add);
    }

    /// <summary>
    /// 8×16 tile on a 32-wide B panel (only its first 16 lanes): the last column panel when at most 16 columns
    /// remain, so a 100-column product computes 112 columns instead of 128. Eight accumulators still cover FMA latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel512Half(int kc, float* a, float* b, float* c, nint ldc, bool add)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default,
                         c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            a += 8;
            b += 32;
        }
        Store512Half(c, c0, add); c += ldc;
        Store512Half(c, c1, add); c += ldc;
        Store512Half(c, c2, add); c += ldc;
        Store512Half(c, c3, add); c += ldc;
        Store512Half(c, c4, add); c += ldc;
        Store512Half(c, c5, add); c += ldc;
        Store512Half(c, c6, add); c += ldc;
        Store512Half(c, c7, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store512Half(float* c, Vector512<float> v, bool add)
    {
        if (add) v += Vector512.Load(c);
        Vector512.Store(v, c);
    }

    /// <summary>
    /// Starts fetching the C tile (32 floats per row, up to three 64-byte lines when unaligned) that the kernel
    /// reads and writes after its k loop; for a large C the rows are in L3 or memory, and waiting for them only
    /// at the end would stall every call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchTile(float* c, nint ldc, int rows)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(c);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(c + 16);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(c + 31);
        }
    }

    /// <summary>6×(2·W) tile for Vector256 (6×16, 12 of 16 ymm accumulators), Vector128 (6×8) or plain floats (6×2).</summary>
    /// <remarks>
    /// MultiplyAddEstimate, not MultiplyAdd: fused where the hardware has FMA, else a multiply then an add, because
    /// FusedMultiplyAdd is emulated (slowly) without FMA; the two roundings differ only in the last bit.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x2<TS, TV>(int kc, float* a, float* b, float* c, nint ldc, bool add)
        where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
           c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = TS.Load(b);
            var b1 = TS.Load(b + w);
            var x = TS.Splat(a[0]);
            c00 = TS.MultiplyAddEstimate(x, b0, c00); c01 = TS.MultiplyAddEstimate(x, b1, c01);
            x = TS.Splat(a[1]);
            c10 = TS.MultiplyAddEstimate(x, b0, c10); c11 = TS.MultiplyAddEstimate(x, b1, c11);
            x = TS.Splat(a[2]);
            c20 = TS.MultiplyAddEstimate(x, b0, c20); c21 = TS.MultiplyAddEstimate(x, b1, c21);
            x = TS.Splat(a[3]);
            c30 = TS.MultiplyAddEstimate(x, b0, c30); c31 = TS.MultiplyAddEstimate(x, b1, c31);
            x = TS.Splat(a[4]);
            c40 = TS.MultiplyAddEstimate(x, b0, c40); c41 = TS.MultiplyAddEstimate(x, b1, c41);
            x = TS.Splat(a[5]);
            c50 = TS.MultiplyAddEstimate(x, b0, c50); c51 = TS.MultiplyAddEstimate(x, b1, c51);
            a += 6;
            b += 2 * w;
        }
        StoreRow<TS, TV>(c, c00, c01, add); c += ldc;
        StoreRow<TS, TV>(c, c10, c11, add); c += ldc;
        StoreRow<TS, TV>(c, c20, c21, add); c += ldc;
        StoreRow<TS, TV>(c, c30, c31, add); c += ldc;
        StoreRow<TS, TV>(c, c40, c41, add); c += ldc;
        StoreRow<TS, TV>(c, c50, c51, add);
    }

    /// <summary>One row of a 2·W-wide tile: c[0, 2·W) = [v0, v1], or += when <paramref name="add"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow<TS, TV>(float* c, TV v0, TV v1, bool add) where TS : struct, ISimd<TV> where TV : struct
    {
        if (add)
        {
            v0 = TS.Add(v0, TS.Load(c));
            v1 = TS.Add(v1, TS.Load(c + TS.Count));
        }
        TS.Store(v0, c);
        TS.Store(v1, c + TS.Count);
    }
}
