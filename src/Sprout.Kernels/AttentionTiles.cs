// The register-tiled pieces of the fused attention (Attention.cs): one small product driver and the softmax rows,
// written once against ISimd<TV> (Simd.cs) and specialised by the JIT for Vector512, 256, 128 and plain float.
// The products are tiny (64×64×32 at the ViT's shapes) and every operand is already in L1, so unlike Gemm's blocked
// driver nothing is packed: A is read through two strides (so Aᵀ costs nothing), B row by row, and C is written in
// place (or added to). A tile is MR rows × two vectors: 8 rows at 512 bits (16 accumulators of the 32 registers),
// 4 rows below (AVX2 has 16 registers). Not here: threading, gathering, scaling; the caller owns those.
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

internal static unsafe class AttentionTiles
{
    /// <summary>Columns of one tile panel for width V: two vectors.</summary>
    public static int Panel<TV, V>() where TV : struct where V : struct, ISimd<TV> => 2 * V.Count;

    /// <summary>
    /// C[m × cols] (=|+=) A·B with A(i, p) = a[i·sa + p·sp] (m × kc) and B row p at b + p·ldb, C row i at c + i·ldc.
    /// B rows must be readable up to cols rounded up to a whole panel (padding lanes are computed and discarded);
    /// C is written only in its cols columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Product<TV, V>(float* a, nint sa, nint sp, float* b, nint ldb, float* c, nint ldc, int m, int cols, int kc, bool add)
        where TV : struct where V : struct, ISimd<TV>
    {
        int w = 2 * V.Count;
        float* edge = stackalloc float[8 * 2 * 16];   // one tile, for a panel that C is narrower than
        for (int j = 0; j < cols; j += w)
        {
            // A full panel goes straight into C; the ragged last one into the edge tile, then its valid columns into C.
            int width = Math.Min(w, cols - j);
            bool full = width == w;
            nint ldt = full ? ldc : w;
            int i = 0;
            if (V.Count >= 16)
                for (; i + 8 <= m; i += 8)
                {
                    Tile8<TV, V>(a + i * sa, sa, sp, b + j, ldb, full ? c + i * ldc + j : edge, ldt, kc, full && add);
                    if (!full) Spill(edge, w, c + i * ldc + j, ldc, 8, width, add);
                }
            for (; i + 4 <= m; i += 4)
            {
                Tile4<TV, V>(a + i * sa, sa, sp, b + j, ldb, full ? c + i * ldc + j : edge, ldt, kc, full && add);
                if (!full) Spill(edge, w, c + i * ldc + j, ldc, 4, width, add);
            }
            for (; i < m; i++)
            {
                Tile1<TV, V>(a + i * sa, sp, b + j, ldb, full ? c + i * ldc + j : edge, kc, full && add);
                if (!full) Spill(edge, w, c + i * ldc + j, ldc, 1, width, add);
            }
        }
    }

    /// <summary>Copies (or adds) the first <paramref name="width"/> columns of a tile written at <paramref name="tile"/> into C.</summary>
    private static void Spill(float* tile, nint ldt, float* c, nint ldc, int rows, int width, bool add)
    {
        for (int r = 0; r < rows; r++)
            for (int x = 0; x < width; x++)
                c[r * ldc + x] = add ? c[r * ldc + x] + tile[r * ldt + x] : tile[r * ldt + x];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TV, V>(float* c, TV lo, TV hi, bool add) where TV : struct where V : struct, ISimd<TV>
    {
        if (add)
        {
            lo = V.Add(lo, V.Load(ref *c, 0));
            hi = V.Add(hi, V.Load(ref *c, (nuint)V.Count));
        }
        V.Store(lo, ref *c, 0);
        V.Store(hi, ref *c, (nuint)V.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile8<TV, V>(float* a, nint sa, nint sp, float* b, nint ldb, float* c, nint ldc, int kc, bool add)
        where TV : struct where V : struct, ISimd<TV>
    {
        TV z = V.Splat(0);
        TV c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        TV c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        nuint half = (nuint)V.Count;
        for (int p = 0; p < kc; p++, a += sp, b += ldb)
        {
            TV b0 = V.Load(ref *b, 0), b1 = V.Load(ref *b, half);
            TV x = V.Splat(a[0]);
            c00 = V.MultiplyAdd(x, b0, c00); c01 = V.MultiplyAdd(x, b1, c01);
            x = V.Splat(a[sa]);
            c10 = V.MultiplyAdd(x, b0, c10); c11 = V.MultiplyAdd(x, b1, c11);
            x = V.Splat(a[2 * sa]);
            c20 = V.MultiplyAdd(x, b0, c20); c21 = V.MultiplyAdd(x, b1, c21);
            x = V.Splat(a[3 * sa]);
            c30 = V.MultiplyAdd(x, b0, c30); c31 = V.MultiplyAdd(x, b1, c31);
            x = V.Splat(a[4 * sa]);
            c40 = V.MultiplyAdd(x, b0, c40); c41 = V.MultiplyAdd(x, b1, c41);
            x = V.Splat(a[5 * sa]);
            c50 = V.MultiplyAdd(x, b0, c50); c51 = V.MultiplyAdd(x, b1, c51);
            x = V.Splat(a[6 * sa]);
            c60 = V.MultiplyAdd(x, b0, c60); c61 = V.MultiplyAdd(x, b1, c61);
            x = V.Splat(a[7 * sa]);
            c70 = V.MultiplyAdd(x, b0, c70); c71 = V.MultiplyAdd(x, b1, c71);
        }
        Put<TV, V>(c, c00, c01, add); c += ldc;
        Put<TV, V>(c, c10, c11, add); c += ldc;
        Put<TV, V>(c, c20, c21, add); c += ldc;
        Put<TV, V>(c, c30, c31, add); c += ldc;
        Put<TV, V>(c, c40, c41, add); c += ldc;
        Put<TV, V>(c, c50, c51, add); c += ldc;
        Put<TV, V>(c, c60, c61, add); c += ldc;
        Put<TV, V>(c, c70, c71, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4<TV, V>(float* a, nint sa, nint sp, float* b, nint ldb, float* c, nint ldc, int kc, bool add)
        where TV : struct where V : struct, ISimd<TV>
    {
        TV z = V.Splat(0);
        TV c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        nuint half = (nuint)V.Count;
        for (int p = 0; p < kc; p++, a += sp, b += ldb)
        {
            TV b0 = V.Load(ref *b, 0), b1 = V.Load(ref *b, half);
            TV x = V.Splat(a[0]);
            c00 = V.MultiplyAdd(x, b0, c00); c01 = V.MultiplyAdd(x, b1, c01);
            x = V.Splat(a[sa]);
            c10 = V.MultiplyAdd(x, b0, c10); c11 = V.MultiplyAdd(x, b1, c11);
            x = V.Splat(a[2 * sa]);
            c20 = V.MultiplyAdd(x, b0, c20); c21 = V.MultiplyAdd(x, b1, c21);
            x = V.Splat(a[3 * sa]);
            c30 = V.MultiplyAdd(x, b0, c30); c31 = V.MultiplyAdd(x, b1, c31);
        }
        Put<TV, V>(c, c00, c01, add); c += ldc;
        Put<TV, V>(c, c10, c11, add); c += ldc;
        Put<TV, V>(c, c20, c21, add); c += ldc;
        Put<TV, V>(c, c30, c31, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1<TV, V>(float* a, nint sp, float* b, nint ldb, float* c, int kc, bool add)
        where TV : struct where V : struct, ISimd<TV>
    {
        TV c0 = V.Splat(0), c1 = c0;
        nuint half = (nuint)V.Count;
        for (int p = 0; p < kc; p++, a += sp, b += ldb)
        {
            TV x = V.Splat(a[0]);
            c0 = V.MultiplyAdd(x, V.Load(ref *b, 0), c0);
            c1 = V.MultiplyAdd(x, V.Load(ref *b, half), c1);
        }
        Put<TV, V>(c, c0, c1, add);
    }

    /// <summary>
    /// p[c] = exp(s·(x[c] − max x)) / Σ exp(…) for c &lt; n (s &gt; 0), the scaled row softmax; x may be overwritten
    /// (it holds the exponentials afterwards).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SoftmaxRow<TV, V>(float* x, float* p, int n, float s) where TV : struct where V : struct, ISimd<TV>
    {
        int w = V.Count, c = 0;
        float max = float.NegativeInfinity;
        if (n >= w)
        {
            TV m = V.Load(ref *x, 0);
            for (c = w; c + w <= n; c += w) m = V.Max(m, V.Load(ref *x, (nuint)c));
            max = V.MaxAcross(m);
        }
        for (; c < n; c++) max = MathF.Max(max, x[c]);
        TV scale = V.Splat(s), shift = V.Splat(-s * max), sum = V.Splat(0);
        float tail = 0;
        for (c = 0; c + w <= n; c += w)
        {
            TV e = V.Exp(V.MultiplyAdd(V.Load(ref *x, (nuint)c), scale, shift));
            V.Store(e, ref *x, (nuint)c);
            sum = V.Add(sum, e);
        }
        for (; c < n; c++) tail += x[c] = MathF.Exp(float.MultiplyAddEstimate(x[c], s, -s * max));
        float inv = 1f / (V.Sum(sum) + tail);
        TV vinv = V.Splat(inv);
        for (c = 0; c + w <= n; c += w) V.Store(V.Mul(V.Load(ref *x, (nuint)c), vinv), ref *p, (nuint)c);
        for (; c < n; c++) p[c] = x[c] * inv;
    }

    /// <summary>g[c] = s·p[c]·(g[c] − Σ_c p·g) for c &lt; n, in place: the scaled softmax backward of one row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SoftmaxBackwardRow<TV, V>(float* p, float* g, int n, float s) where TV : struct where V : struct, ISimd<TV>
    {
        int w = V.Count, c;
        TV acc = V.Splat(0);
        for (c = 0; c + w <= n; c += w) acc = V.MultiplyAdd(V.Load(ref *p, (nuint)c), V.Load(ref *g, (nuint)c), acc);
        float dot = V.Sum(acc);
        for (; c < n; c++) dot += p[c] * g[c];
        TV vdot = V.Splat(dot), scale = V.Splat(s);
        for (c = 0; c + w <= n; c += w)
        {
            TV pc = V.Mul(V.Load(ref *p, (nuint)c), scale);
            V.Store(V.Mul(pc, V.Sub(V.Load(ref *g, (nuint)c), vdot)), ref *g, (nuint)c);
        }
        for (; c < n; c++) g[c] = s * p[c] * (g[c] - dot);
    }
}
