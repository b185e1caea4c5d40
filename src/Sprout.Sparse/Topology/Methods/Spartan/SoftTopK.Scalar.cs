// SoftTopK.Scalar: the reference soft top-k, written as the published code does it: a full sort for τ and the
// fixed-point iteration for μ from μ = 0 in double precision (O(n log n) + up to 100 scalar passes). Kept as the
// yardstick the fast path (SoftTopK, SoftTopKSolver) is tested against; not used in training.
namespace Sprout.Sparse.Topology.Methods;

public static partial class SoftTopK
{
    /// <summary>Reference implementation (sort + published fixed point, double precision).</summary>
    public static class Scalar
    {
        /// <summary>
        /// Computes the hard threshold τ (the unit value u = v/c at which the cumulative cost of the sorted entries reaches
        /// <paramref name="budget"/>) and the soft mask m_i = σ(β(u_i − τ) + μ) with Σ c_i m_i = budget.
        /// μ is iterated as μ ← μ + ln k − ln Σ c σ(z + μ) (the published update, written stably) for at most
        /// <paramref name="maxIterations"/> rounds or until the objective Σ m·v changes by ≤ <paramref name="tolerance"/> (relative).
        /// </summary>
        /// <param name="values">v [n] ≥ 0.</param>
        /// <param name="costs">c [n] &gt; 0.</param>
        /// <param name="budget">k, 0 &lt; k ≤ Σ c.</param>
        /// <param name="beta">β &gt; 0 sharpness.</param>
        /// <param name="mask">m [n], output.</param>
        /// <param name="order">[n] scratch.</param>
        /// <param name="units">[n] scratch; holds u = v/c on return.</param>
        /// <param name="maxIterations">Fixed-point iterations at most (100 in the reference).</param>
        /// <param name="tolerance">Relative change of Σ m·v that stops the iteration (0.01 in the reference).</param>
        /// <returns>τ; entries with u ≥ τ form the hard mask.</returns>
        /// <exception cref="ArgumentException">Span lengths differ, or the budget is outside (0, Σ c].</exception>
        public static float Forward(ReadOnlySpan<float> values, ReadOnlySpan<float> costs, double budget, float beta, Span<float> mask,
            Span<int> order, Span<float> units, int maxIterations = 100, double tolerance = 0.01)
        {
            int n = values.Length;
            if (costs.Length != n || mask.Length != n || order.Length != n || units.Length != n)
                throw new ArgumentException($"values, costs, mask, order and units must all have {n} elements.", nameof(costs));
            double total = 0;
            for (int i = 0; i < n; i++) { units[i] = -values[i] / costs[i]; order[i] = i; total += costs[i]; }
            if (!(budget > 0) || budget > total * (1 + 1e-9))
                throw new ArgumentException($"The budget {budget} must be in (0, {total}] (the total cost).", nameof(budget));
            // Sorting −u as keys puts the largest unit values first; units is scratch, u_i is recomputed below.
            units.Sort(order);
            double cumulative = 0;
            float tau = -units[n - 1];
            for (int i = 0; i < n; i++)
            {
                cumulative += costs[order[i]];
                if (cumulative >= budget) { tau = -units[i]; break; }
            }
            for (int i = 0; i < n; i++) units[i] = values[i] / costs[i];
            var u = units;
            double mu = 0, objective = double.NaN;
            double logK = Math.Log(budget);
            for (int it = 0; it < maxIterations; it++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += costs[i] * Sigmoid(beta * (u[i] - tau) + mu);
                mu += logK - Math.Log(s);
                double obj = 0, used = 0;
                for (int i = 0; i < n; i++)
                {
                    mask[i] = (float)Sigmoid(beta * (u[i] - tau) + mu);
                    obj += mask[i] * values[i];
                    used += costs[i] * mask[i];
                }
                // The reference stops on the objective alone; Sprout also requires the budget to hold within the
                // tolerance, because with large β the objective can stall while Σ c·m is still several % off.
                bool converged = !double.IsNaN(objective) && Math.Abs(obj - objective) <= tolerance * Math.Abs(objective)
                    && Math.Abs(used - budget) <= tolerance * budget;
                objective = obj;
                if (converged) break;
            }
            return tau;
        }

        /// <summary>
        /// Implicit-differentiation backward: given g_j = ∂L/∂m_j, writes ∂L/∂v_j = β·m_j(1−m_j)·(g_j/c_j − κ) with
        /// κ = Σ g_i m_i(1−m_i) / Σ c_i m_i(1−m_i) (the budget constraint holds along the derivative).
        /// </summary>
        public static void Backward(ReadOnlySpan<float> mask, ReadOnlySpan<float> costs, ReadOnlySpan<float> maskGradient, float beta, Span<float> valueGradient)
        {
            double num = 0, den = 0;
            for (int i = 0; i < mask.Length; i++)
            {
                double w = mask[i] * (1.0 - mask[i]);
                num += maskGradient[i] * w;
                den += costs[i] * w;
            }
            double kappa = den > 0 ? num / den : 0;
            for (int i = 0; i < mask.Length; i++)
                valueGradient[i] = (float)(beta * mask[i] * (1.0 - mask[i]) * (maskGradient[i] / costs[i] - kappa));
        }

        private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
    }
}
