// AliasTable: Walker/Vose alias method for drawing an index i with probability w_i / Σw in O(1) per draw after an
// O(n) build. GSE samples rows and columns from its rank-1 distribution p(j,i) = g_j·f_i with two of these.
// Buffers are reused across rebuilds, so rebuilding for the same n allocates nothing. Not thread-safe.
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>Discrete distribution over [0, n) proportional to non-negative weights, sampled in O(1).</summary>
public sealed class AliasTable
{
    private float[] _probability = [];
    private int[] _alias = [];
    private int[] _small = [];
    private int[] _large = [];
    private double[] _scaled = [];

    /// <summary>Number of outcomes.</summary>
    public int Count { get; private set; }

    /// <summary>True when the last build fell back to the uniform distribution because every weight was 0.</summary>
    public bool IsUniform { get; private set; }

    /// <summary>
    /// Builds the table for P(i) = w_i / Σ w in O(n). All-zero weights give the uniform distribution (nothing is
    /// known, so every outcome is equally plausible).
    /// </summary>
    /// <exception cref="ArgumentException">Empty weights, or a weight that is negative, NaN or infinite.</exception>
    public void Build(ReadOnlySpan<float> weights)
    {
        int n = weights.Length;
        if (n == 0) throw new ArgumentException("An alias table needs at least one outcome.", nameof(weights));
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float w = weights[i];
            if (!(w >= 0f) || float.IsInfinity(w))
                throw new ArgumentException($"Weight {i} is {w}: sampling weights must be finite and ≥ 0.", nameof(weights));
            sum += w;
        }
        Ensure(n);
        Count = n;
        IsUniform = sum == 0;
        var scaled = _scaled.AsSpan(0, n);
        for (int i = 0; i < n; i++) scaled[i] = IsUniform ? 1.0 : weights[i] * n / sum;

        // Vose: pair each under-full bucket with an over-full one; the over-full remainder goes back to a list.
        int ns = 0, nl = 0;
        for (int i = n - 1; i >= 0; i--)
        {
            if (scaled[i] < 1.0) _small[ns++] = i;
            else _large[nl++] = i;
        }
        while (ns > 0 && nl > 0)
        {
            int s = _small[--ns], l = _large[--nl];
            _probability[s] = (float)scaled[s];
            _alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            if (scaled[l] < 1.0) _small[ns++] = l;
            else _large[nl++] = l;
        }
        // Leftovers are 1 up to rounding error.
        while (nl > 0) { int l = _large[--nl]; _probability[l] = 1f; _alias[l] = l; }
        while (ns > 0) { int s = _small[--ns]; _probability[s] = 1f; _alias[s] = s; }
    }

    /// <summary>One draw: a uniform bucket, then the bucket's own index or its alias.</summary>
    public int Sample(Rng rng)
    {
        int i = rng.NextInt(Count);
        return rng.NextFloat() < _probability[i] ? i : _alias[i];
    }

    private void Ensure(int n)
    {
        Buffers.Ensure(ref _probability, n);
        Buffers.Ensure(ref _alias, n);
        Buffers.Ensure(ref _small, n);
        Buffers.Ensure(ref _large, n);
        Buffers.Ensure(ref _scaled, n);
    }
}
