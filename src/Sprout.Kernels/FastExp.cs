// e^x on float vectors in about a dozen instructions, for the kernels' softmax rows and activations (ISimd.Exp).
// The BCL's Vector512.Exp computes in double for correct rounding and cost the attention forward more than its
// products; float kernels do not need that. Method: n = round(x·log₂e), r = x − n·ln 2 in two FMAs (Cody–Waite
// split of ln 2, so r is exact enough), e^r by its Taylor series to r⁷ (|r| ≤ ln2/2, truncation below 6·10⁻⁹
// relative, i.e. within a few float ulps after rounding), then ·2ⁿ through the exponent bits.
// Edges: x ≥ 88.73 gives +∞ (n = 128 sets the exponent field to all ones), x < −87.33 gives 0 (results below the
// smallest normal float are flushed, where MathF.Exp would return a subnormal), NaN stays NaN.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

internal static class FastExp
{
    private const float Log2E = 1.44269504f;
    private const float Ln2High = 0.693145752f;          // ln 2 rounded to 16 significant bits: n·Ln2High is exact
    private const float Ln2Low = 1.42860677e-6f;         // ln 2 − Ln2High
    private const float Highest = 88.73f, Lowest = -87.33f;

    /// <inheritdoc cref="FastExp"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> x)
    {
        var c = Vector512.Min(x, Vector512.Create(Highest));
        var n = Vector512.Round(c * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), c);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(1f / 5040), r, Vector512.Create(1f / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f));
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Lowest)), Vector512<float>.Zero, p * scale);
    }

    /// <inheritdoc cref="FastExp"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Of(Vector256<float> x)
    {
        var c = Vector256.Min(x, Vector256.Create(Highest));
        var n = Vector256.Round(c * Vector256.Create(Log2E));
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2High), c);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Low), r);
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(1f / 5040), r, Vector256.Create(1f / 720));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 120));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 24));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 6));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(0.5f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f));
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Lowest)), Vector256<float>.Zero, p * scale);
    }

    /// <inheritdoc cref="FastExp"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Of(Vector128<float> x)
    {
        var c = Vector128.Min(x, Vector128.Create(Highest));
        var n = Vector128.Round(c * Vector128.Create(Log2E));
        var r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2High), c);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-Ln2Low), r);
        var p = Vector128.MultiplyAddEstimate(Vector128.Create(1f / 5040), r, Vector128.Create(1f / 720));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f / 120));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f / 24));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f / 6));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(0.5f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(1f));
        var scale = Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23).AsSingle();
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(Lowest)), Vector128<float>.Zero, p * scale);
    }
}
