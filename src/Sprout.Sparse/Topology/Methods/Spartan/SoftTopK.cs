// SoftTopK: Spartan's soft top-k (Tai, Tian, Lim, "Spartan: Differentiable Sparsity via Regularized Transportation",
// NeurIPS 2022): the entropy-regularized optimal-transport solution m_i = σ(β(u_i − τ) + μ) with Σ c_i m_i = k, and
// its implicit-differentiation backward. Same fixed point as the published iteration (Scalar), found cheaply: τ by a
// weighted quickselect (O(n), no sort), μ by a safeguarded Newton iteration on the increasing Σ c σ(z + μ), each
// round one fused float SIMD pass (the published update needs up to 100 scalar double passes). Pure span functions;
// callers own the buffers, so nothing here allocates.
namespace Sprout.Sparse.Topology.Methods;

/// <summary>Soft top-k by regularized optimal transport, forward and backward.</summary>
public static partial class SoftTopK
{
    /// <summary>Default relative budget tolerance |Σ c·m − k| ≤ tol·k of <see cref="Shift"/> (float sums reach ~1e-6).</summary>
    public const double DefaultTolerance = 1e-4;

    // Newton steps are capped: σ saturates in float beyond |x| ≈ 90, so a longer step only overshoots.
    private const double MaxStep = 64;

    /// <summary>
    /// Writes u = v/c into <paramref name="units"/>, finds τ (<see cref="Threshold"/>) and the soft mask with
    /// Σ c·m = budget (<see cref="Shift"/> started from μ = <paramref name="muStart"/>). Returns (τ, μ).
    /// </summary>
    /// <param name="values">v [n] ≥ 0.</param>
    /// <param name="costs">c [n] &gt; 0.</param>
    /// <param name="budget">k, 0 &lt; k ≤ Σ c.</param>
    /// <param name="beta">β &gt; 0 sharpness.</param>
    /// <param name="mask">m [n], output.</param>
    /// <param name="units">[n], output u = v/c.</param>
    /// <param name="unitScratch">[n] scratch.</param>
    /// <param name="costScratch">[n] scratch.</param>
    /// <param name="muStart">Warm start for μ (the previous step's μ; 0 cold).</param>
    /// <param name="maxIterations">Newton rounds at most.</param>
    /// <param name="tolerance">Relative budget tolerance.</param>
    /// <exception cref="ArgumentException">Span lengths differ, or the budget is outside (0, Σ c].</exception>
    public static (float Tau, double Mu) Forward(ReadOnlySpan<float> values, ReadOnlySpan<float> costs, double budget, float beta,
        Span<float> mask, Span<float> units, Span<float> unitScratch, Span<float> costScratch, double muStart = 0,
        int maxIterations = 100, double tolerance = DefaultTolerance)
    {
        int n = values.Length;
        if (costs.Length != n || mask.Length != n || units.Length != n || unitScratch.Length != n || costScratch.Length != n)
            throw new ArgumentException($"values, costs, mask, units and both scratch spans must all have {n} elements.", nameof(costs));
        double total = 0;
        foreach (float c in costs) total += c;
        if (!(budget > 0) || budget > total * (1 + 1e-9))
            throw new ArgumentException($"The budget {budget} must be in (0, {total}] (the total cost).", nameof(budget));
        System.Numerics.Tensors.TensorPrimitives.Divide(values, costs, units);
        float tau = Threshold(units, costs, budget, unitScratch, costScratch);
        return (tau, Shift(units, costs, budget, beta, tau, mask, muStart, maxIterations, tolerance, out _));
    }

    /// <summary>
    /// τ = the largest unit value u such that the entries with u_i ≥ u cost at least <paramref name="budget"/>: the value
    /// at which the cumulative cost of the entries sorted by u (descending) first reaches the budget, whatever the
    /// order of ties. Weighted quickselect on copies, O(n) expected. Returns the smallest u when Σ c falls short by rounding.
    /// </summary>
    /// <exception cref="ArgumentException">Scratch spans shorter than <paramref name="units"/>, or no entries.</exception>
    public static float Threshold(ReadOnlySpan<float> units, ReadOnlySpan<float> costs, double budget, Span<float> unitScratch, Span<float> costScratch)
    {
        int n = units.Length;
        if (n == 0 || costs.Length != n || unitScratch.Length < n || costScratch.Length < n)
            throw new ArgumentException($"Need at least one entry, {n} costs and scratch spans of at least {n} elements.", nameof(units));
        units.CopyTo(unitScratch);
        costs.CopyTo(costScratch);
        return WeightedSelect(unitScratch[..n], costScratch[..n], budget, 0);
    }

    /// <summary>
    /// Solves Σ c σ(β(u − τ) + μ) = budget for μ and writes m = σ(β(u − τ) + μ). Newton steps on ln Σ c·m (for small
    /// m this is the published update μ ← μ + ln k − ln Σ c·m), kept inside a bracket of the root with bisection as
    /// the fallback, so it converges from any start; warm-started it needs one to three passes. Stops when
    /// |Σ c·m − k| ≤ tolerance·k or after <paramref name="maxIterations"/> passes (counted in <paramref name="passes"/>);
    /// returns μ of the last pass, whose mask is in <paramref name="mask"/>. Start from <paramref name="muStart"/> (0 cold).
    /// </summary>
    public static double Shift(ReadOnlySpan<float> units, ReadOnlySpan<float> costs, double budget, float beta, float tau,
        Span<float> mask, double muStart, int maxIterations, double tolerance, out int passes)
    {
        passes = 0;
        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        double mu = double.IsFinite(muStart) ? muStart : 0, logK = Math.Log(budget);
        for (int it = 0; it < maxIterations; it++)
        {
            var (used, slope) = SoftTopKLoops.MaskPass(units, costs, beta, tau, (float)mu, mask);
            passes++;
            double error = used - budget;
            if (Math.Abs(error) <= tolerance * budget || it == maxIterations - 1) break;
            if (error < 0) lo = mu; else hi = mu;
            double step = used > 0 && slope > 0 ? (logK - Math.Log(used)) * used / slope : double.NaN;
            double next = mu + Math.Clamp(step, -MaxStep, MaxStep);
            if (!(next > lo && next < hi))
                next = double.IsFinite(lo) && double.IsFinite(hi) ? 0.5 * (lo + hi)
                    : double.IsFinite(lo) ? lo + Math.Max(1, Math.Abs(lo)) : hi - Math.Max(1, Math.Abs(hi));
            if (next == mu) break; // the bracket has shrunk to float resolution
            mu = next;
        }
        return mu;
    }

    /// <summary>
    /// Implicit-differentiation backward: given g_j = ∂L/∂m_j, writes ∂L/∂v_j = β·m_j(1−m_j)·(g_j/c_j − κ) with
    /// κ = Σ g_i m_i(1−m_i) / Σ c_i m_i(1−m_i) (the budget constraint holds along the derivative).
    /// </summary>
    /// <exception cref="ArgumentException">Span lengths differ.</exception>
    public static void Backward(ReadOnlySpan<float> mask, ReadOnlySpan<float> costs, ReadOnlySpan<float> maskGradient, float beta, Span<float> valueGradient)
    {
        int n = mask.Length;
        if (costs.Length != n || maskGradient.Length != n || valueGradient.Length != n)
            throw new ArgumentException($"mask, costs, maskGradient and valueGradient must all have {n} elements.", nameof(costs));
        var (num, den) = SoftTopKLoops.BackwardSums(mask, costs, maskGradient);
        float kappa = den > 0 ? (float)(num / den) : 0f;
        SoftTopKLoops.BackwardWrite(mask, costs, maskGradient, beta, kappa, valueGradient);
    }

    /// <summary>
    /// τ over a[..] (reordered in step with w) for the cost still needed beyond <paramref name="above"/>, the cost of
    /// entries known to lie above every element of a. Three-way partition, descending, random pivots.
    /// </summary>
    internal static float WeightedSelect(Span<float> a, Span<float> w, double budget, double above)
    {
        int lo = 0, hi = a.Length - 1;
        ulong state = 0x9E3779B97F4A7C15UL;
        float last = a[hi];
        while (lo <= hi)
        {
            if (lo == hi) return a[lo];
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            float pivot = a[lo + (int)(state % (ulong)(hi - lo + 1))];
            int lt = lo, i = lo, gt = hi;
            double greater = 0, equal = 0;
            while (i <= gt)
            {
                float x = a[i];
                if (x > pivot) { greater += w[i]; Swap(a, w, lt++, i++); }
                else if (x < pivot) Swap(a, w, gt--, i);
                else { equal += w[i]; i++; }
            }
            if (above + greater >= budget) hi = lt - 1;
            else if (above + greater + equal >= budget) return pivot;
            else { above += greater + equal; lo = gt + 1; last = pivot; }
        }
        return last; // Σ c < budget by rounding: the smallest value
    }

    private static void Swap(Span<float> a, Span<float> w, int i, int j)
    {
        (a[i], a[j]) = (a[j], a[i]);
        (w[i], w[j]) = (w[j], w[i]);
    }
}
