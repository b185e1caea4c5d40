// The vector loops the direct sparse convolution kernels share, each written once with the width falling back
// from Vector512 to Vector256, Vector128 and one float for the tail (the JIT drops the branches the hardware
// does not accelerate). They run over one image row (a few dozen floats), so there is no register tiling here:
// the kernels keep their accumulator rows in L1 and call these once per nonzero.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>y[0..n) += a·x[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Axpy(float a, float* x, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var va = Vector512.Create(a);
            for (; i + 16 <= n; i += 16) Vector512.MultiplyAddEstimate(va, Vector512.Load(x + i), Vector512.Load(y + i)).Store(y + i);
        }
        if (Vector256.IsHardwareAccelerated && i + 8 <= n)
        {
            var va = Vector256.Create(a);
            for (; i + 8 <= n; i += 8) Vector256.MultiplyAddEstimate(va, Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        }
        if (Vector128.IsHardwareAccelerated && i + 4 <= n)
        {
            var va = Vector128.Create(a);
            for (; i + 4 <= n; i += 4) Vector128.MultiplyAddEstimate(va, Vector128.Load(x + i), Vector128.Load(y + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(a, x[i], y[i]);
    }

    /// <summary>y[0..n) = x[0..n) (add = false) or y += x (add = true).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void CopyOrAdd(float* x, float* y, int n, bool add)
    {
        if (!add)
        {
            new ReadOnlySpan<float>(x, n).CopyTo(new Span<float>(y, n));
            return;
        }
        int i = 0;
        if (Vector512.IsHardwareAccelerated) for (; i + 16 <= n; i += 16) (Vector512.Load(x + i) + Vector512.Load(y + i)).Store(y + i);
        if (Vector256.IsHardwareAccelerated) for (; i + 8 <= n; i += 8) (Vector256.Load(x + i) + Vector256.Load(y + i)).Store(y + i);
        if (Vector128.IsHardwareAccelerated) for (; i + 4 <= n; i += 4) (Vector128.Load(x + i) + Vector128.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += x[i];
    }

    /// <summary>
    /// acc += Σ a[i]·b[i] over [0, n) as an 8-lane partial sum (wider vectors folded in, the scalar tail into lane 0),
    /// so a weight's gradient is summed horizontally once per run of rows instead of once per image row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void DotInto(float* a, float* b, int n, Vector256<float>* acc)
    {
        int i = 0;
        var s = *acc;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var w = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16) w = Vector512.MultiplyAddEstimate(Vector512.Load(a + i), Vector512.Load(b + i), w);
            s += w.GetLower() + w.GetUpper();
        }
        for (; i + 8 <= n; i += 8) s = Vector256.MultiplyAddEstimate(Vector256.Load(a + i), Vector256.Load(b + i), s);
        float tail = 0;
        for (; i < n; i++) tail = MathF.FusedMultiplyAdd(a[i], b[i], tail);
        *acc = s.WithElement(0, s.GetElement(0) + tail);
    }

    /// <summary>
    /// y[0..n) = (add ? y : 0) + (x &amp; mask): mask elements are all-ones bit patterns (keep) or zero (drop), so a dropped
    /// x — a neighbouring row's value read through the shifted flat view — contributes an exact +0 whatever it holds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void MaskedAdd(float* x, float* mask, float* y, int n, bool add)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector512.Load(x + i) & Vector512.Load(mask + i);
                (add ? v + Vector512.Load(y + i) : v).Store(y + i);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.Load(x + i) & Vector256.Load(mask + i);
                (add ? v + Vector256.Load(y + i) : v).Store(y + i);
            }
        for (; i < n; i++)
        {
            float v = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x[i]) & BitConverter.SingleToInt32Bits(mask[i]));
            y[i] = add ? y[i] + v : v;
        }
    }

    /// <summary>All bits set: the "keep" element of a <see cref="MaskedAdd"/> mask.</summary>
    internal static readonly float Keep = BitConverter.Int32BitsToSingle(-1);

    /// <summary>
    /// y[0..n) += a0·x0 + a1·x1 + a2·x2 + a3·x3: four nonzeros that share their accumulator row, so y is loaded and
    /// stored once per four multiply-adds instead of once per one (the single AXPY is bound by that store).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Axpy4(float* a, float* x0, float* x1, float* x2, float* x3, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> v0 = Vector512.Create(a[0]), v1 = Vector512.Create(a[1]), v2 = Vector512.Create(a[2]), v3 = Vector512.Create(a[3]);
            for (; i + 16 <= n; i += 16)
            {
                var acc = Vector512.MultiplyAddEstimate(v0, Vector512.Load(x0 + i), Vector512.Load(y + i));
                acc = Vector512.MultiplyAddEstimate(v1, Vector512.Load(x1 + i), acc);
                acc = Vector512.MultiplyAddEstimate(v2, Vector512.Load(x2 + i), acc);
                Vector512.MultiplyAddEstimate(v3, Vector512.Load(x3 + i), acc).Store(y + i);
            }
        }
        if (Vector256.IsHardwareAccelerated && i + 8 <= n)
        {
            Vector256<float> v0 = Vector256.Create(a[0]), v1 = Vector256.Create(a[1]), v2 = Vector256.Create(a[2]), v3 = Vector256.Create(a[3]);
            for (; i + 8 <= n; i += 8)
            {
                var acc = Vector256.MultiplyAddEstimate(v0, Vector256.Load(x0 + i), Vector256.Load(y + i));
                acc = Vector256.MultiplyAddEstimate(v1, Vector256.Load(x1 + i), acc);
                acc = Vector256.MultiplyAddEstimate(v2, Vector256.Load(x2 + i), acc);
                Vector256.MultiplyAddEstimate(v3, Vector256.Load(x3 + i), acc).Store(y + i);
            }
        }
        for (; i < n; i++)
            y[i] = MathF.FusedMultiplyAdd(a[3], x3[i], MathF.FusedMultiplyAdd(a[2], x2[i], MathF.FusedMultiplyAdd(a[1], x1[i], MathF.FusedMultiplyAdd(a[0], x0[i], y[i]))));
    }

    /// <summary>acc[k] += Σ x_k[i]·d[i] for k = 0..3 (as <see cref="DotInto"/>): four weights at one kernel position share each load of d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void DotInto4(float* x0, float* x1, float* x2, float* x3, float* d, int n, Vector256<float>* acc)
    {
        int i = 0;
        Vector256<float> s0 = acc[0], s1 = acc[1], s2 = acc[2], s3 = acc[3];
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<float> w0 = Vector512<float>.Zero, w1 = w0, w2 = w0, w3 = w0;
            for (; i + 16 <= n; i += 16)
            {
                var dv = Vector512.Load(d + i);
                w0 = Vector512.MultiplyAddEstimate(Vector512.Load(x0 + i), dv, w0);
                w1 = Vector512.MultiplyAddEstimate(Vector512.Load(x1 + i), dv, w1);
                w2 = Vector512.MultiplyAddEstimate(Vector512.Load(x2 + i), dv, w2);
                w3 = Vector512.MultiplyAddEstimate(Vector512.Load(x3 + i), dv, w3);
            }
            s0 += w0.GetLower() + w0.GetUpper();
            s1 += w1.GetLower() + w1.GetUpper();
            s2 += w2.GetLower() + w2.GetUpper();
            s3 += w3.GetLower() + w3.GetUpper();
        }
        for (; i + 8 <= n; i += 8)
        {
            var dv = Vector256.Load(d + i);
            s0 = Vector256.MultiplyAddEstimate(Vector256.Load(x0 + i), dv, s0);
            s1 = Vector256.MultiplyAddEstimate(Vector256.Load(x1 + i), dv, s1);
            s2 = Vector256.MultiplyAddEstimate(Vector256.Load(x2 + i), dv, s2);
            s3 = Vector256.MultiplyAddEstimate(Vector256.Load(x3 + i), dv, s3);
        }
        float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (; i < n; i++)
        {
            t0 = MathF.FusedMultiplyAdd(x0[i], d[i], t0);
            t1 = MathF.FusedMultiplyAdd(x1[i], d[i], t1);
            t2 = MathF.FusedMultiplyAdd(x2[i], d[i], t2);
            t3 = MathF.FusedMultiplyAdd(x3[i], d[i], t3);
        }
        acc[0] = s0.WithElement(0, s0.GetElement(0) + t0);
        acc[1] = s1.WithElement(0, s1.GetElement(0) + t1);
        acc[2] = s2.WithElement(0, s2.GetElement(0) + t2);
        acc[3] = s3.WithElement(0, s3.GetElement(0) + t3);
    }

    /// <summary>
    /// y[k] += x[2k] for k in [0, n): the stride-2 subsampling of a full-resolution accumulator row. Reads x up to
    /// x[2n − 1], one float past the last one used (callers keep slack after their rows). AVX-512 picks the even lanes
    /// of two loaded vectors in one permute; elsewhere it is a scalar loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void AddEven(float* x, float* y, int n)
    {
        int k = 0;
        if (Avx512F.IsSupported)
        {
            var idx16 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; k + 16 <= n; k += 16)
                (Vector512.Load(y + k) + Avx512F.PermuteVar16x32x2(Vector512.Load(x + 2 * k), idx16, Vector512.Load(x + 2 * k + 16))).Store(y + k);
            var idx8 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
            for (; k + 8 <= n; k += 8)
                (Vector256.Load(y + k) + Avx512F.VL.PermuteVar8x32x2(Vector256.Load(x + 2 * k), idx8, Vector256.Load(x + 2 * k + 8))).Store(y + k);
        }
        for (; k < n; k++) y[k] += x[2 * k];
    }

    /// <summary>
    /// y[2k] += x[k] for k in [0, n): spreading a row back to stride 2 (input gradient, and dY into the weight gradient's
    /// zeroed D rows). AVX-512 interleaves eight values with zeros in one permute and adds sixteen floats, touching the
    /// odd slots with +0; that is done only while the sixteen stay within the <paramref name="room"/> floats the caller
    /// owns from y, so no neighbouring row or another thread's data is read and rewritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void AddSpread2(float* x, float* y, int n, int room)
    {
        int k = 0;
        if (Avx512F.IsSupported)
        {
            var idx = Vector512.Create(0, 16, 1, 16, 2, 16, 3, 16, 4, 16, 5, 16, 6, 16, 7, 16);
            for (; k + 8 <= n && 2 * k + 16 <= room; k += 8)
            {
                var spread = Avx512F.PermuteVar16x32x2(Vector512.Create(Vector256.Load(x + k), Vector256<float>.Zero), idx, Vector512<float>.Zero);
                (Vector512.Load(y + 2 * k) + spread).Store(y + 2 * k);
            }
        }
        for (; k < n; k++) y[2 * k] += x[k];
    }
}
