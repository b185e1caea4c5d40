// The vector loops the direct sparse convolution kernels share, each written once with the width falling back
// from Vector512 to Vector256, Vector128 and one float for the tail (the JIT drops the branches the hardware
// does not accelerate). They run over one image row (a few dozen floats), so there is no register tiling here:
// the kernels keep their accumulator rows in L1 and call these once per nonzero.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
}
