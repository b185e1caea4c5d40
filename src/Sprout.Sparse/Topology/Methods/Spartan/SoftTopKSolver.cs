// SoftTopKSolver: the soft top-k of one pool of entries, solved every step with warm starts. Between two steps the
// weights move little, so τ stays near its last value and μ near its last root: τ is found in a narrow band around
// the previous τ (one vector pass counts the cost above the band and copies the band out; a weighted select runs on
// the band only), and Newton starts from the previous μ. The band width adapts to hold ~BandLow..BandHigh entries;
// when the band misses τ even after widening, or overflows, a full weighted select over the pool is the fallback,
// so the result is always exact. All buffers are allocated once, at construction.
namespace Sprout.Sparse.Topology.Methods;

/// <summary>Warm-started soft top-k over a pool of a fixed number of entries.</summary>
public sealed class SoftTopKSolver
{
    private const int BandCapacity = 8192, BandLow = 64, BandHigh = 1024, Widenings = 3;
    private readonly float[] _unitScratch, _costScratch, _bandUnits, _bandCosts;
    private float _tau, _halfWidth;
    private bool _warm;

    /// <summary>Creates a solver for pools of <paramref name="count"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException">count is not positive.</exception>
    public SoftTopKSolver(int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "A soft top-k pool needs at least one entry.");
        Count = count;
        (_unitScratch, _costScratch) = (new float[count], new float[count]);
        int band = Math.Min(count, BandCapacity);
        (_bandUnits, _bandCosts) = (new float[band], new float[band]);
    }

    /// <summary>Pool size.</summary>
    public int Count { get; }

    /// <summary>μ of the last solve (the warm start of the next).</summary>
    public double Mu { get; private set; }

    /// <summary>Newton passes of the last solve.</summary>
    public int LastPasses { get; private set; }

    /// <summary>Full (whole-pool) selections so far; the others were answered from the band around the previous τ.</summary>
    public int FullSelections { get; private set; }

    /// <summary>The warm-start state (warm flag, μ, τ, band half-width), for checkpoints: a resumed run must start the
    /// next solve where the interrupted one would have, or its masks drift by up to the tolerance.</summary>
    public void SaveWarmStart(Span<double> state)
    {
        state[0] = _warm ? 1 : 0;
        state[1] = Mu;
        state[2] = _tau;
        state[3] = _halfWidth;
    }

    /// <summary>Restores what <see cref="SaveWarmStart"/> wrote.</summary>
    public void LoadWarmStart(ReadOnlySpan<double> state)
    {
        _warm = state[0] != 0;
        Mu = state[1];
        _tau = (float)state[2];
        _halfWidth = (float)state[3];
    }

    /// <summary>Length of the <see cref="SaveWarmStart"/> state.</summary>
    public const int WarmStartLength = 4;

    /// <summary>Forgets the warm starts (the next solve starts cold, as after construction).</summary>
    public void Reset() => (_warm, Mu) = (false, 0);

    /// <summary>
    /// τ and the soft mask m = σ(β(u − τ) + μ) with Σ c·m = budget (within <paramref name="tolerance"/>, relative), as
    /// <see cref="SoftTopK.Forward"/> computes them, warm-started from the previous call. Returns τ.
    /// </summary>
    /// <param name="units">u = v/c [Count].</param>
    /// <param name="costs">c [Count] &gt; 0.</param>
    /// <param name="budget">k, 0 &lt; k ≤ Σ c (the caller checks; it knows Σ c).</param>
    /// <param name="beta">β &gt; 0.</param>
    /// <param name="mask">m [Count], output.</param>
    /// <param name="maxIterations">Newton passes at most.</param>
    /// <param name="tolerance">Relative budget tolerance.</param>
    /// <exception cref="ArgumentException">A span does not have <see cref="Count"/> elements.</exception>
    public float Solve(ReadOnlySpan<float> units, ReadOnlySpan<float> costs, double budget, float beta, Span<float> mask,
        int maxIterations = 100, double tolerance = SoftTopK.DefaultTolerance)
    {
        if (units.Length != Count || costs.Length != Count || mask.Length != Count)
            throw new ArgumentException($"units, costs and mask must have {Count} elements (the pool size).", nameof(units));
        float tau = (_warm ? BandThreshold(units, costs, budget) : null) ?? FullThreshold(units, costs, budget);
        Mu = SoftTopK.Shift(units, costs, budget, beta, tau, mask, Mu, maxIterations, tolerance, out int passes);
        LastPasses = passes;
        (_tau, _warm) = (tau, true);
        return tau;
    }

    private float FullThreshold(ReadOnlySpan<float> units, ReadOnlySpan<float> costs, double budget)
    {
        FullSelections++;
        float tau = SoftTopK.Threshold(units, costs, budget, _unitScratch, _costScratch);
        _halfWidth = HalfWidthFloor(tau) * 4096; // a first guess; the band counts correct it within a few steps
        return tau;
    }

    private float? BandThreshold(ReadOnlySpan<float> units, ReadOnlySpan<float> costs, double budget)
    {
        for (int attempt = 0; attempt <= Widenings; attempt++)
        {
            float half = Math.Max(_halfWidth, HalfWidthFloor(_tau));
            var (above, band, count) = SoftTopKLoops.BandPass(units, costs, _tau - half, _tau + half, _bandUnits, _bandCosts);
            if (above >= budget || above + band < budget) { _halfWidth = half * 4; continue; } // τ lies outside the band
            if (count > _bandUnits.Length) { _halfWidth = half / 4; return null; }
            _halfWidth = count > BandHigh ? half / 2 : count < BandLow ? half * 2 : half;
            return SoftTopK.WeightedSelect(_bandUnits.AsSpan(0, count), _bandCosts.AsSpan(0, count), budget, above);
        }
        return null;
    }

    // The band must stay wider than float resolution around τ, or τ ± half rounds back to τ.
    private static float HalfWidthFloor(float tau) => Math.Max(Math.Abs(tau) * 1e-6f, 1e-30f);
}
