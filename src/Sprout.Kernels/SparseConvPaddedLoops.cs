// The vector loops of the padded stride-1 sparse convolution (SparseConvPadded.cs): register tiles of output rows
// for the forward pass and the input gradient, dot products of several live weights' shifted blocks with dY for the
// weight gradient, and the short row copies that fill the blocks. The tiles and dots are fully optimized from their
// first call: a training step calls them few times per layer, too few for tiered compilation to reach optimized code.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    // Short runs (one image row): inline vector loops; a span call per row costs more than the copy at these lengths.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRun(float* src, float* dst, int n)
    {
        int k = 0;
        if (Vector512.IsHardwareAccelerated) for (; k + 16 <= n; k += 16) Vector512.Load(src + k).Store(dst + k);
        for (; k + 8 <= n; k += 8) Vector256.Load(src + k).Store(dst + k);
        for (; k < n; k++) dst[k] = src[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ClearRun(float* dst, int n)
    {
        int k = 0;
        for (; k + 8 <= n; k += 8) Vector256<float>.Zero.Store(dst + k);
        for (; k < n; k++) dst[k] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyOrAddRun(float* src, float* dst, int n, bool add)
    {
        if (add) CopyOrAdd(src, dst, n, add: true);
        else CopyRun(src, dst, n);
    }

    /// <summary>out[lines·perRow·16] (=|+=) Σ_k values[k]·(the lines at src + taps[k] + rowBase[·]): <see cref="TileLines"/> tile by tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileAllLines(float* src, int* taps, float* values, int k0, int k1, int* rowBase, int lines, int perRow, float* output, bool accumulate)
    {
        int tileLines = 8 / perRow;
        for (int l = 0; l < lines; l += tileLines)
            TileLines(src, taps, values, k0, k1, rowBase + l, Math.Min(tileLines, lines - l), perRow, output + (long)l * perRow * 16, accumulate);
    }

    /// <summary>
    /// output[k] = Σ over the lines of rows[line]·block[taps[k] + rowBase[line] ..] for k in [k0, k1): eight taps at a
    /// time (<see cref="DotLines8"/>), then four, then one; <paramref name="rows"/> holds lines·perRow·16 floats read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DotAllLines(float* block, int* taps, int k0, int k1, float* rows, int* rowBase, int lines, int perRow, float* output)
    {
        int k = k0;
        for (; k + 8 <= k1; k += 8) DotLines8(block, taps + k, rows, rowBase, lines, perRow, output + k);
        if (k + 4 <= k1)
        {
            DotLines4(block, taps + k, rows, rowBase, lines, perRow, output + k);
            k += 4;
        }
        for (; k < k1; k++) output[k] = DotLines(block + taps[k], rows, rowBase, lines, perRow);
    }

    /// <summary>
    /// out[0..n·perRow·16) (=|+=) Σ_k values[k]·(the n output lines starting at src + taps[k] + rowBase[line], perRow
    /// vectors each): eight vector accumulators in registers (n·perRow ≤ 8), stored straight to the contiguous output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileLines(float* src, int* taps, float* values, int k0, int k1, int* rowBase, int n, int perRow, float* output, bool accumulate)
    {
        // Offset of vector q: its line's base plus its place in the line; lines past n repeat line 0 (read, never stored).
        int o0 = Offset(0), o1 = Offset(1), o2 = Offset(2), o3 = Offset(3), o4 = Offset(4), o5 = Offset(5), o6 = Offset(6), o7 = Offset(7);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int k = k0; k < k1; k++)
        {
            var v = Vector512.Create(values[k]);
            float* p = src + taps[k];
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o0), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o1), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o2), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o3), a3);
            a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o4), a4);
            a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o5), a5);
            a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o6), a6);
            a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + o7), a7);
        }
        StoreTile(a0, a1, a2, a3, a4, a5, a6, a7, output, n * perRow, accumulate);

        int Offset(int q) => TileOffset(rowBase, n, perRow, q);
    }

    /// <summary>Offset of vector q of a tile of n lines (perRow vectors each): its line's base plus its place in the line; lines past n repeat line 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int TileOffset(int* rowBase, int n, int perRow, int q)
    {
        int line = q / perRow;
        return (line < n ? rowBase[line] : rowBase[0]) + (q - line * perRow) * 16;
    }

    /// <summary>output[0..16·stored) (=|+=) the first <paramref name="stored"/> of the eight tile vectors (the output holds no more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreTile(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, float* output, int stored, bool accumulate)
    {
        if (stored == 8)
        {
            if (accumulate)
            {
                a0 += Vector512.Load(output); a1 += Vector512.Load(output + 16); a2 += Vector512.Load(output + 32); a3 += Vector512.Load(output + 48);
                a4 += Vector512.Load(output + 64); a5 += Vector512.Load(output + 80); a6 += Vector512.Load(output + 96); a7 += Vector512.Load(output + 112);
            }
            a0.Store(output); a1.Store(output + 16); a2.Store(output + 32); a3.Store(output + 48);
            a4.Store(output + 64); a5.Store(output + 80); a6.Store(output + 96); a7.Store(output + 112);
            return;
        }
        Put(a0, 0); Put(a1, 1); Put(a2, 2); Put(a3, 3); Put(a4, 4); Put(a5, 5); Put(a6, 6);

        void Put(Vector512<float> a, int q)
        {
            if (q >= stored) return;
            float* d = output + q * 16;
            (accumulate ? a + Vector512.Load(d) : a).Store(d);
        }
    }

    /// <summary>acc[0..Tile) = Σ_k values[k]·src[taps[k] + 0..Tile) over k in [k0, k1): eight vector accumulators in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileRow(float* src, int* taps, float* values, int k0, int k1, float* acc)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int k = k0; k < k1; k++)
            {
                var v = Vector512.Create(values[k]);
                float* p = src + taps[k];
                a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p), a0);
                a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 16), a1);
                a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 32), a2);
                a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 48), a3);
                a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 64), a4);
                a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 80), a5);
                a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 96), a6);
                a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 112), a7);
            }
            a0.Store(acc); a1.Store(acc + 16); a2.Store(acc + 32); a3.Store(acc + 48);
            a4.Store(acc + 64); a5.Store(acc + 80); a6.Store(acc + 96); a7.Store(acc + 112);
            return;
        }
        for (int half = 0; half < Tile; half += 64)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int k = k0; k < k1; k++)
            {
                var v = Vector256.Create(values[k]);
                float* p = src + taps[k] + half;
                a0 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p), a0);
                a1 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 8), a1);
                a2 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 16), a2);
                a3 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 24), a3);
                a4 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 32), a4);
                a5 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 40), a5);
                a6 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 48), a6);
                a7 = Vector256.MultiplyAddEstimate(v, Vector256.Load(p + 56), a7);
            }
            float* d = acc + half;
            a0.Store(d); a1.Store(d + 8); a2.Store(d + 16); a3.Store(d + 24);
            a4.Store(d + 32); a5.Store(d + 40); a6.Store(d + 48); a7.Store(d + 56);
        }
    }

    /// <summary>
    /// output[q] = Σ_{t &lt; n} block[taps[q] + t]·d[t] for q = 0..7: eight weights share each load of d and keep eight
    /// independent vector sums, so the loop is bound by the multiply-adds rather than by loads or their latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Dot8(float* block, int* taps, float* d, int n, float* output)
    {
        float* x0 = block + taps[0], x1 = block + taps[1], x2 = block + taps[2], x3 = block + taps[3];
        float* x4 = block + taps[4], x5 = block + taps[5], x6 = block + taps[6], x7 = block + taps[7];
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int t = 0;
        for (; t + 16 <= n; t += 16)
        {
            var dv = Vector512.Load(d + t);
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + t), dv, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + t), dv, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + t), dv, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + t), dv, s3);
            s4 = Vector512.FusedMultiplyAdd(Vector512.Load(x4 + t), dv, s4);
            s5 = Vector512.FusedMultiplyAdd(Vector512.Load(x5 + t), dv, s5);
            s6 = Vector512.FusedMultiplyAdd(Vector512.Load(x6 + t), dv, s6);
            s7 = Vector512.FusedMultiplyAdd(Vector512.Load(x7 + t), dv, s7);
        }
        float r0 = Vector512.Sum(s0), r1 = Vector512.Sum(s1), r2 = Vector512.Sum(s2), r3 = Vector512.Sum(s3);
        float r4 = Vector512.Sum(s4), r5 = Vector512.Sum(s5), r6 = Vector512.Sum(s6), r7 = Vector512.Sum(s7);
        for (; t < n; t++)
        {
            float dt = d[t];
            r0 = MathF.FusedMultiplyAdd(x0[t], dt, r0); r1 = MathF.FusedMultiplyAdd(x1[t], dt, r1);
            r2 = MathF.FusedMultiplyAdd(x2[t], dt, r2); r3 = MathF.FusedMultiplyAdd(x3[t], dt, r3);
            r4 = MathF.FusedMultiplyAdd(x4[t], dt, r4); r5 = MathF.FusedMultiplyAdd(x5[t], dt, r5);
            r6 = MathF.FusedMultiplyAdd(x6[t], dt, r6); r7 = MathF.FusedMultiplyAdd(x7[t], dt, r7);
        }
        (output[0], output[1], output[2], output[3], output[4], output[5], output[6], output[7]) = (r0, r1, r2, r3, r4, r5, r6, r7);
    }

    /// <summary>
    /// output[q] = Σ over lines l and their vectors v of dyRows[l·perRow·16 + 16v ..]·block[taps[q] + rowBase[l] + 16v ..],
    /// for q = 0..7: <see cref="Dot8"/> over whole output rows, with dY read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DotLines8(float* block, int* taps, float* dyRows, int* rowBase, int lines, int perRow, float* output)
    {
        float* x0 = block + taps[0], x1 = block + taps[1], x2 = block + taps[2], x3 = block + taps[3];
        float* x4 = block + taps[4], x5 = block + taps[5], x6 = block + taps[6], x7 = block + taps[7];
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int l = 0; l < lines; l++)
        {
            float* d = dyRows + l * perRow * 16;
            for (int v = 0, o = rowBase[l]; v < perRow; v++, o += 16)
            {
                var dv = Vector512.Load(d + 16 * v);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o), dv, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o), dv, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o), dv, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o), dv, s3);
                s4 = Vector512.FusedMultiplyAdd(Vector512.Load(x4 + o), dv, s4);
                s5 = Vector512.FusedMultiplyAdd(Vector512.Load(x5 + o), dv, s5);
                s6 = Vector512.FusedMultiplyAdd(Vector512.Load(x6 + o), dv, s6);
                s7 = Vector512.FusedMultiplyAdd(Vector512.Load(x7 + o), dv, s7);
            }
        }
        (output[0], output[1], output[2], output[3]) = (Vector512.Sum(s0), Vector512.Sum(s1), Vector512.Sum(s2), Vector512.Sum(s3));
        (output[4], output[5], output[6], output[7]) = (Vector512.Sum(s4), Vector512.Sum(s5), Vector512.Sum(s6), Vector512.Sum(s7));
    }

    /// <summary><see cref="DotLines8"/> for four taps (the rest of a short row), two partial sums each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DotLines4(float* block, int* taps, float* dyRows, int* rowBase, int lines, int perRow, float* output)
    {
        float* x0 = block + taps[0], x1 = block + taps[1], x2 = block + taps[2], x3 = block + taps[3];
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        for (int l = 0; l < lines; l++)
        {
            float* d = dyRows + l * perRow * 16;
            int v = 0, o = rowBase[l];
            for (; v + 2 <= perRow; v += 2, o += 32)
            {
                var d0 = Vector512.Load(d + 16 * v);
                var d1 = Vector512.Load(d + 16 * v + 16);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o), d0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o), d0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o), d0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o), d0, s3);
                t0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o + 16), d1, t0);
                t1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o + 16), d1, t1);
                t2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o + 16), d1, t2);
                t3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o + 16), d1, t3);
            }
            if (v < perRow)
            {
                var d0 = Vector512.Load(d + 16 * v);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x0 + o), d0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x1 + o), d0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Load(x2 + o), d0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Load(x3 + o), d0, s3);
            }
        }
        (output[0], output[1], output[2], output[3]) = (Vector512.Sum(s0 + t0), Vector512.Sum(s1 + t1), Vector512.Sum(s2 + t2), Vector512.Sum(s3 + t3));
    }

    /// <summary>One tap's <see cref="DotLines8"/>, with two partial sums to halve the multiply-add chain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float DotLines(float* x, float* dyRows, int* rowBase, int lines, int perRow)
    {
        Vector512<float> s0 = default, s1 = default;
        for (int l = 0; l < lines; l++)
        {
            float* d = dyRows + l * perRow * 16, xr = x + rowBase[l];
            int v = 0;
            for (; v + 2 <= perRow; v += 2)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xr + 16 * v), Vector512.Load(d + 16 * v), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(xr + 16 * v + 16), Vector512.Load(d + 16 * v + 16), s1);
            }
            if (v < perRow) s0 = Vector512.FusedMultiplyAdd(Vector512.Load(xr + 16 * v), Vector512.Load(d + 16 * v), s0);
        }
        return Vector512.Sum(s0 + s1);
    }
}
