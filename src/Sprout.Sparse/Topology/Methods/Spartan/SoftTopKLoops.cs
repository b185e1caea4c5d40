// SoftTopKLoops: the fused single-pass loops of the soft top-k and Spartan's per-step rewrites, AVX-512 with a
// scalar loop for the tail (and for machines without it). Sums are kept in float vector lanes over chunks of
// ChunkSize entries and added up in double, so a 266k-entry pool sums to ~1e-6 relative, like the double reference.
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sprout.Sparse.Topology.Methods;

internal static class SoftTopKLoops
{
    private const int ChunkSize = 4096;

    private static bool Wide(int n) => Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count;

    /// <summary>m = σ(β(u − τ) + μ); returns (Σ c·m, Σ c·m(1−m)), the budget used and its derivative in μ.</summary>
    public static (double Used, double Slope) MaskPass(ReadOnlySpan<float> units, ReadOnlySpan<float> costs, float beta, float tau, float mu, Span<float> mask)
    {
        int n = units.Length, i = 0;
        double used = 0, slope = 0;
        ref float u = ref MemoryMarshal.GetReference(units);
        ref float c = ref MemoryMarshal.GetReference(costs);
        ref float m = ref MemoryMarshal.GetReference(mask);
        if (Wide(n))
        {
            var vb = Vector512.Create(beta);
            var vt = Vector512.Create(tau);
            var vmu = Vector512.Create(mu);
            var one = Vector512<float>.One;
            while (i + Vector512<float>.Count <= n)
            {
                int end = Math.Min(n, i + ChunkSize);
                Vector512<float> s = default, d = default;
                for (; i + Vector512<float>.Count <= end; i += Vector512<float>.Count)
                {
                    var x = Vector512.FusedMultiplyAdd(vb, Vector512.LoadUnsafe(ref u, (nuint)i) - vt, vmu);
                    var mv = one / (one + Vector512.Exp(-x));
                    mv.StoreUnsafe(ref m, (nuint)i);
                    var cm = Vector512.LoadUnsafe(ref c, (nuint)i) * mv;
                    s += cm;
                    d += cm - cm * mv;
                }
                used += Vector512.Sum(s);
                slope += Vector512.Sum(d);
            }
        }
        for (; i < n; i++)
        {
            float mi = 1f / (1f + MathF.Exp(-MathF.FusedMultiplyAdd(beta, Unsafe.Add(ref u, i) - tau, mu)));
            Unsafe.Add(ref m, i) = mi;
            float cm = Unsafe.Add(ref c, i) * mi;
            used += cm;
            slope += cm - cm * mi;
        }
        return (used, slope);
    }

    /// <summary>(Σ g·m(1−m), Σ c·m(1−m)), the two sums of the implicit backward's κ.</summary>
    public static (double Num, double Den) BackwardSums(ReadOnlySpan<float> mask, ReadOnlySpan<float> costs, ReadOnlySpan<float> maskGradient)
    {
        int n = mask.Length, i = 0;
        double num = 0, den = 0;
        ref float m = ref MemoryMarshal.GetReference(mask);
        ref float c = ref MemoryMarshal.GetReference(costs);
        ref float g = ref MemoryMarshal.GetReference(maskGradient);
        if (Wide(n))
        {
            while (i + Vector512<float>.Count <= n)
            {
                int end = Math.Min(n, i + ChunkSize);
                Vector512<float> a = default, b = default;
                for (; i + Vector512<float>.Count <= end; i += Vector512<float>.Count)
                {
                    var mv = Vector512.LoadUnsafe(ref m, (nuint)i);
                    var w = mv - mv * mv;
                    a += Vector512.LoadUnsafe(ref g, (nuint)i) * w;
                    b += Vector512.LoadUnsafe(ref c, (nuint)i) * w;
                }
                num += Vector512.Sum(a);
                den += Vector512.Sum(b);
            }
        }
        for (; i < n; i++)
        {
            float mi = Unsafe.Add(ref m, i), w = mi - mi * mi;
            num += Unsafe.Add(ref g, i) * w;
            den += Unsafe.Add(ref c, i) * w;
        }
        return (num, den);
    }

    /// <summary>dv = β·m(1−m)·(g/c − κ).</summary>
    public static void BackwardWrite(ReadOnlySpan<float> mask, ReadOnlySpan<float> costs, ReadOnlySpan<float> maskGradient, float beta, float kappa, Span<float> valueGradient)
    {
        int n = mask.Length, i = 0;
        ref float m = ref MemoryMarshal.GetReference(mask);
        ref float c = ref MemoryMarshal.GetReference(costs);
        ref float g = ref MemoryMarshal.GetReference(maskGradient);
        ref float dv = ref MemoryMarshal.GetReference(valueGradient);
        if (Wide(n))
        {
            var vb = Vector512.Create(beta);
            var vk = Vector512.Create(kappa);
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
            {
                var mv = Vector512.LoadUnsafe(ref m, (nuint)i);
                var r = Vector512.LoadUnsafe(ref g, (nuint)i) / Vector512.LoadUnsafe(ref c, (nuint)i) - vk;
                (vb * (mv - mv * mv) * r).StoreUnsafe(ref dv, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float mi = Unsafe.Add(ref m, i);
            Unsafe.Add(ref dv, i) = beta * (mi - mi * mi) * (Unsafe.Add(ref g, i) / Unsafe.Add(ref c, i) - kappa);
        }
    }

    /// <summary>
    /// One pass over the pool around a guessed threshold: returns the cost of entries with u ≥ hi and of those with
    /// lo ≤ u &lt; hi (the band), and copies up to bandUnits.Length band entries (u, c) out; count is the full band size.
    /// </summary>
    public static (double Above, double Band, int Count) BandPass(ReadOnlySpan<float> units, ReadOnlySpan<float> costs, float lo, float hi,
        Span<float> bandUnits, Span<float> bandCosts)
    {
        int n = units.Length, i = 0, count = 0;
        double above = 0, band = 0;
        ref float u = ref MemoryMarshal.GetReference(units);
        ref float c = ref MemoryMarshal.GetReference(costs);
        if (Wide(n))
        {
            var vlo = Vector512.Create(lo);
            var vhi = Vector512.Create(hi);
            while (i + Vector512<float>.Count <= n)
            {
                int end = Math.Min(n, i + ChunkSize);
                Vector512<float> a = default;
                for (; i + Vector512<float>.Count <= end; i += Vector512<float>.Count)
                {
                    var uv = Vector512.LoadUnsafe(ref u, (nuint)i);
                    var top = Vector512.GreaterThanOrEqual(uv, vhi);
                    a += Vector512.ConditionalSelect(top, Vector512.LoadUnsafe(ref c, (nuint)i), default);
                    ulong inBand = Vector512.AndNot(Vector512.GreaterThanOrEqual(uv, vlo), top).ExtractMostSignificantBits();
                    while (inBand != 0)
                    {
                        int j = i + BitOperations.TrailingZeroCount(inBand);
                        inBand &= inBand - 1;
                        Collect(Unsafe.Add(ref u, j), Unsafe.Add(ref c, j), ref band, ref count, bandUnits, bandCosts);
                    }
                }
                above += Vector512.Sum(a);
            }
        }
        for (; i < n; i++)
        {
            float x = Unsafe.Add(ref u, i);
            if (x >= hi) above += Unsafe.Add(ref c, i);
            else if (x >= lo) Collect(x, Unsafe.Add(ref c, i), ref band, ref count, bandUnits, bandCosts);
        }
        return (above, band, count);
    }

    private static void Collect(float unit, float cost, ref double band, ref int count, Span<float> bandUnits, Span<float> bandCosts)
    {
        band += cost;
        if (count < bandUnits.Length) { bandUnits[count] = unit; bandCosts[count] = cost; }
        count++;
    }

    /// <summary>eff = m where u ≥ τ, else 0 (the soft values on the hard top-k).</summary>
    public static void Effective(ReadOnlySpan<float> units, ReadOnlySpan<float> mask, float tau, Span<float> effective)
    {
        int n = units.Length, i = 0;
        ref float u = ref MemoryMarshal.GetReference(units);
        ref float m = ref MemoryMarshal.GetReference(mask);
        ref float e = ref MemoryMarshal.GetReference(effective);
        if (Wide(n))
        {
            var vt = Vector512.Create(tau);
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
                Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.LoadUnsafe(ref u, (nuint)i), vt), Vector512.LoadUnsafe(ref m, (nuint)i), default)
                    .StoreUnsafe(ref e, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref e, i) = Unsafe.Add(ref u, i) >= tau ? Unsafe.Add(ref m, i) : 0f;
    }

    /// <summary>g ← g·m + sign(w)·dv (straight-through gradient plus the mask path; sign(0) = 0).</summary>
    public static void RewriteGradient(Span<float> gradient, ReadOnlySpan<float> weights, ReadOnlySpan<float> mask, ReadOnlySpan<float> valueGradient)
    {
        int n = gradient.Length, i = 0;
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float w = ref MemoryMarshal.GetReference(weights);
        ref float m = ref MemoryMarshal.GetReference(mask);
        ref float dv = ref MemoryMarshal.GetReference(valueGradient);
        if (Wide(n))
        {
            var signBit = Vector512.Create(-0f);
            for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
            {
                var wv = Vector512.LoadUnsafe(ref w, (nuint)i);
                // sign(w)·dv: flip dv's sign bit where w is negative; 0 where w is 0.
                var flipped = Vector512.LoadUnsafe(ref dv, (nuint)i) ^ (wv & signBit);
                var signed = Vector512.ConditionalSelect(Vector512.Equals(wv, default), default, flipped);
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref g, (nuint)i), Vector512.LoadUnsafe(ref m, (nuint)i), signed).StoreUnsafe(ref g, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref g, i) = Unsafe.Add(ref g, i) * Unsafe.Add(ref m, i) + MathF.Sign(Unsafe.Add(ref w, i)) * Unsafe.Add(ref dv, i);
    }
}
