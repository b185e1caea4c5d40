// TopKastSetSizes: the hyperparameter checks and set sizes every Top-KAST layer shares (TopKastLinear, and through it
// TopKastConv2d; MaskedTopKastConv2d): |A| = round(D·n) (at least 1) and |B| = round((D + M)·n), between |A| and n.
namespace Sprout.Nn;

internal static class TopKastSetSizes
{
    /// <summary>Validates D, M, λ and N, then returns (|A|, |B|) for a layer of <paramref name="weights"/> dense positions.</summary>
    /// <exception cref="ArgumentOutOfRangeException">D ∉ (0, 1], M &lt; 0, D + M &gt; 1, λ &lt; 0, or refreshEvery ≤ 0.</exception>
    public static (int Forward, int Backward) Of(long weights, double forwardDensity, double backwardExtra, float regularization, int refreshEvery)
    {
        if (!(forwardDensity is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(forwardDensity), forwardDensity, "The forward density D must be in (0, 1].");
        if (!(backwardExtra >= 0) || forwardDensity + backwardExtra > 1 + 1e-12)
            throw new ArgumentOutOfRangeException(nameof(backwardExtra), backwardExtra, $"The backward extra M must be ≥ 0 with D + M ≤ 1 (D = {forwardDensity}).");
        if (!(regularization >= 0)) throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "λ must be ≥ 0.");
        if (refreshEvery <= 0) throw new ArgumentOutOfRangeException(nameof(refreshEvery), refreshEvery, "The refresh interval N must be a positive number of steps.");
        int forward = (int)Math.Max(1, Math.Round(forwardDensity * weights));
        int backward = (int)Math.Min(weights, Math.Max(forward, Math.Round((forwardDensity + backwardExtra) * weights)));
        return (forward, backward);
    }
}
