// GEMM micro-kernels: C[MR×NR] (=|+=) Apanel·Bpanel over kc, with the whole C tile held in registers.
// Apanel is kc×MR and Bpanel kc×NR (see Gemm.Packing.cs). Per k step the kernel loads NR/W vectors of B,
// broadcasts MR values of A and issues MR·NR/W independent FMAs, enough to cover FMA latency.
// The AVX-512 8×32 loop itself is Gemm.Tile8x32.cs, shared with the conv tap kernels; the 6×2·W kernel below serves
// narrower vectors, whose 16 registers cannot hold an 8-row tile. Not here: edges (the driver runs full tiles on
// zero-padded panels into a scratch tile) and blocking.
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

    /// <summary>6×(2·W) tile for Vector256 (6×16, 12 of 16 ymm accumulators) or Vector128 (6×8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel6x2<TOps, TV>(int kc, float* a, float* b, float* c, nint ldc, bool add)
        where TOps : struct, IVecOps<TV> where TV : struct
    {
        int w = TOps.Width;
        TV c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
           c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = TOps.Load(b);
            var b1 = TOps.Load(b + w);
            var x = TOps.Broadcast(a[0]);
            c00 = TOps.MulAdd(x, b0, c00); c01 = TOps.MulAdd(x, b1, c01);
            x = TOps.Broadcast(a[1]);
            c10 = TOps.MulAdd(x, b0, c10); c11 = TOps.MulAdd(x, b1, c11);
            x = TOps.Broadcast(a[2]);
            c20 = TOps.MulAdd(x, b0, c20); c21 = TOps.MulAdd(x, b1, c21);
            x = TOps.Broadcast(a[3]);
            c30 = TOps.MulAdd(x, b0, c30); c31 = TOps.MulAdd(x, b1, c31);
            x = TOps.Broadcast(a[4]);
            c40 = TOps.MulAdd(x, b0, c40); c41 = TOps.MulAdd(x, b1, c41);
            x = TOps.Broadcast(a[5]);
            c50 = TOps.MulAdd(x, b0, c50); c51 = TOps.MulAdd(x, b1, c51);
            a += 6;
            b += 2 * w;
        }
        TOps.StoreRow(c, c00, c01, add); c += ldc;
        TOps.StoreRow(c, c10, c11, add); c += ldc;
        TOps.StoreRow(c, c20, c21, add); c += ldc;
        TOps.StoreRow(c, c30, c31, add); c += ldc;
        TOps.StoreRow(c, c40, c41, add); c += ldc;
        TOps.StoreRow(c, c50, c51, add);
    }

    /// <summary>Vector operations the generic micro-kernel needs; one struct per width so the JIT specializes it.</summary>
    private unsafe interface IVecOps<TV> where TV : struct
    {
        static abstract int Width { get; }
        static abstract TV Load(float* p);
        static abstract TV Broadcast(float v);
        static abstract TV MulAdd(TV x, TV y, TV acc);
        static abstract void StoreRow(float* c, TV v0, TV v1, bool add);
    }

    private readonly unsafe struct Ops256 : IVecOps<Vector256<float>>
    {
        public static int Width => 8;
        public static Vector256<float> Load(float* p) => Vector256.Load(p);
        public static Vector256<float> Broadcast(float v) => Vector256.Create(v);

        // FusedMultiplyAdd is emulated (slowly) without FMA hardware; the rounding differs from mul+add only in the last bit.
        public static Vector256<float> MulAdd(Vector256<float> x, Vector256<float> y, Vector256<float> acc) =>
            System.Runtime.Intrinsics.X86.Fma.IsSupported ? Vector256.FusedMultiplyAdd(x, y, acc) : x * y + acc;

        public static void StoreRow(float* c, Vector256<float> v0, Vector256<float> v1, bool add)
        {
            if (add)
            {
                v0 += Vector256.Load(c);
                v1 += Vector256.Load(c + 8);
            }
            Vector256.Store(v0, c);
            Vector256.Store(v1, c + 8);
        }
    }

    private readonly unsafe struct Ops128 : IVecOps<Vector128<float>>
    {
        public static int Width => 4;
        public static Vector128<float> Load(float* p) => Vector128.Load(p);
        public static Vector128<float> Broadcast(float v) => Vector128.Create(v);

        public static Vector128<float> MulAdd(Vector128<float> x, Vector128<float> y, Vector128<float> acc) =>
            System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported
                ? Vector128.FusedMultiplyAdd(x, y, acc) : x * y + acc;

        public static void StoreRow(float* c, Vector128<float> v0, Vector128<float> v1, bool add)
        {
            if (add)
            {
                v0 += Vector128.Load(c);
                v1 += Vector128.Load(c + 4);
            }
            Vector128.Store(v0, c);
            Vector128.Store(v1, c + 4);
        }
    }
    /// <summary>Plain floats through the same driver (6×2 tile) when no SIMD is available.</summary>
    private readonly unsafe struct OpsScalar : IVecOps<float>
    {
        public static int Width => 1;
        public static float Load(float* p) => *p;
        public static float Broadcast(float v) => v;
        public static float MulAdd(float x, float y, float acc) => x * y + acc;

        public static void StoreRow(float* c, float v0, float v1, bool add)
        {
            c[0] = add ? c[0] + v0 : v0;
            c[1] = add ? c[1] + v1 : v1;
        }
    }
}
