// The one AVX-512 8×32 micro-kernel: C[8×32] (=|+=) A (k × 8, p-major) · B (k × 32), whole depth in registers. Where the
// B rows come from is a struct type argument (a packed or strided panel here, taps of a padded image in
// ConvPanels.Taps.cs), so the JIT compiles one specialized loop per source with the row load inlined, and every caller
// (blocked GEMM, conv taps, the skinny weight gradient) gets the same sums in the same order. Not here: edges,
// blocking, the 6×2 kernels for narrower vectors (Gemm.MicroKernel.cs).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>Supplies row p of the k × 32 B operand of <see cref="Gemm.Tile8x32{TRows}"/> as two 16-lane vectors.</summary>
internal unsafe interface IRows32
{
    /// <summary>Lanes 0–15 (<paramref name="low"/>) and 16–31 (<paramref name="high"/>) of B row <paramref name="p"/>.</summary>
    void Load(int p, out Vector512<float> low, out Vector512<float> high);
}

public static partial class Gemm
{
    /// <summary>
    /// c[8 × 32] (= or +=) A · B, where step p of A is the 8 values a[p·lda .. p·lda + 8) (lda = 8 for a packed panel)
    /// and B row p comes from <paramref name="rows"/>: 16 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Tile8x32<TRows>(int k, float* a, nint lda, TRows rows, float* c, nint ldc, bool add) where TRows : struct, IRows32
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
                         c20 = default, c21 = default, c30 = default, c31 = default,
                         c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k; p++)
        {
            rows.Load(p, out var b0, out var b1);
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
            a += lda;
        }
        Store512(c, c00, c01, add); c += ldc;
        Store512(c, c10, c11, add); c += ldc;
        Store512(c, c20, c21, add); c += ldc;
        Store512(c, c30, c31, add); c += ldc;
        Store512(c, c40, c41, add); c += ldc;
        Store512(c, c50, c51, add); c += ldc;
        Store512(c, c60, c61, add); c += ldc;
        Store512(c, c70, c71, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool add)
    {
        if (add)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        Vector512.Store(v0, c);
        Vector512.Store(v1, c + 16);
    }

    /// <summary>B rows <paramref name="ldb"/> floats apart: row p is b[p·ldb .. p·ldb + 32) (ldb = 32 for a packed panel).</summary>
    private readonly unsafe struct StridedRows(float* b, nint ldb) : IRows32
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Load(int p, out Vector512<float> low, out Vector512<float> high)
        {
            float* row = b + ldb * p;
            low = Vector512.Load(row);
            high = Vector512.Load(row + 16);
        }
    }
}
