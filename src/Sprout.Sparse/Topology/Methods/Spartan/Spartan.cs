// Spartan (Tai, Tian, Lim, "Spartan: Differentiable Sparsity via Regularized Transportation", NeurIPS 2022;
// facebookresearch/spartan). Masked dense, as published: dense weights, a dense soft mask and a full ranking every
// step. Each step the weights are swapped for w̃ = w ⊙ m ⊙ 1[u ≥ τ] before the forward pass (hard top-k forward),
// and after the backward pass swapped back with the gradient rewritten to dL/dw = G⊙m + sign(w)·∂L/∂v
// (straight-through indicator plus the implicit-differentiation mask backward; G = dL/dw̃, v = block sums of |w|).
// Schedules: the kept cost fraction goes linearly 1 → target over the first 20% of steps; β goes 1 → β_target·√area
// until fine-tuning starts at 80%, where the mask m⊙1[u≥τ] is frozen as a fixed multiplier.
// Not here: the FLOPs cost model for convolutions (costs are block areas), adjust_cost_frac, cosine schedules.
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>
/// Spartan sparsifier over dense weight tensors [out × in]. Call <see cref="BeforeForward"/> before the forward
/// pass of step t (0-based) and <see cref="AfterBackward"/> after the backward pass, before the optimizer step.
/// Defaults (reference library): target density 0.10, β 1 → 20, 100 iterations, tolerance 1%, warmup 20%,
/// fine-tune 20%, global allocation, unstructured blocks (1×1).
/// </summary>
public sealed partial class Spartan
{
    private readonly Tensor[] _weights;
    private readonly int[] _blockStart;      // [L + 1] first block of each layer in the pooled arrays
    private readonly int[] _blockRows, _blockCols;
    private readonly double[] _targetDensity; // per layer (uniform/ERK) or the global target
    private readonly float[] _values, _costs, _mask, _units, _maskGrad, _valueGrad, _frozen;
    private readonly int[] _order;
    private readonly float[][] _saved;
    private readonly int[][] _blockOf;       // per layer [out·in]: the block index of each entry (dense, like everything in Spartan)
    private readonly float[] _tau;
    private bool _swapped;
    private float _beta;

    /// <summary>Creates the sparsifier; weights are rank-2 parameter tensors [out × in].</summary>
    /// <exception cref="ArgumentException">No weights, a weight that is not rank 2, or a bad schedule value.</exception>
    public Spartan(IReadOnlyList<Tensor> weights, int totalSteps, double density = 0.1, float betaTarget = 20f, float betaInit = 1f,
        double warmupFraction = 0.2, double finetuneFraction = 0.2, int blockRows = 1, int blockCols = 1,
        SpartanAllocation allocation = SpartanAllocation.Global, int maxIterations = 100, double tolerance = 0.01)
    {
        if (weights.Count == 0) throw new ArgumentException("Spartan needs at least one weight tensor.", nameof(weights));
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Total steps must be positive.");
        if (!(density is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(density), density, "The target density (kept cost fraction) must be in (0, 1].");
        if (!(warmupFraction >= 0 && finetuneFraction >= 0 && warmupFraction + finetuneFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(warmupFraction), "Warmup and fine-tune fractions must be ≥ 0 and sum to at most 1.");
        if (!(betaInit > 0 && betaTarget >= betaInit)) throw new ArgumentOutOfRangeException(nameof(betaTarget), "Need 0 < β_init ≤ β_target.");
        if (blockRows <= 0 || blockCols <= 0) throw new ArgumentOutOfRangeException(nameof(blockRows), "Block dimensions must be positive.");
        _weights = weights.ToArray();
        (TotalSteps, Density, BetaTarget, BetaInit, WarmupFraction, FinetuneFraction) = (totalSteps, density, betaTarget, betaInit, warmupFraction, finetuneFraction);
        (Allocation, MaxIterations, Tolerance) = (allocation, maxIterations, tolerance);
        int layers = _weights.Length;
        _blockStart = new int[layers + 1];
        _blockRows = new int[layers];
        _blockCols = new int[layers];
        _saved = new float[layers][];
        _blockOf = new int[layers][];
        _tau = new float[layers];
        for (int l = 0; l < layers; l++)
        {
            var w = _weights[l];
            if (w.Rank != 2) throw new ArgumentException($"Weight {l} has rank {w.Rank}; Spartan masks [out × in] matrices.", nameof(weights));
            // Block mode falls back to unstructured when the shape does not divide (as the reference does).
            bool fits = w.Dim(0) % blockRows == 0 && w.Dim(1) % blockCols == 0;
            (_blockRows[l], _blockCols[l]) = fits ? (blockRows, blockCols) : (1, 1);
            _blockStart[l + 1] = _blockStart[l] + w.Size / (_blockRows[l] * _blockCols[l]);
            _saved[l] = new float[w.Size];
            _blockOf[l] = new int[w.Size];
            int cols = w.Dim(1), br = _blockRows[l], bc = _blockCols[l], perRow = cols / bc;
            for (int i = 0; i < w.Size; i++) _blockOf[l][i] = (i / cols / br) * perRow + (i % cols) / bc;
        }
        int n = _blockStart[layers];
        (_values, _costs, _mask, _units, _maskGrad, _valueGrad, _frozen, _order) =
            (new float[n], new float[n], new float[n], new float[n], new float[n], new float[n], new float[n], new int[n]);
        for (int l = 0; l < layers; l++) _costs.AsSpan(_blockStart[l], Blocks(l)).Fill(_blockRows[l] * _blockCols[l]);
        _targetDensity = TargetDensities();
    }

    /// <summary>Training length T.</summary>
    public int TotalSteps { get; }

    /// <summary>Target kept cost fraction.</summary>
    public double Density { get; }

    /// <summary>β_target (multiplied by √(block area)).</summary>
    public float BetaTarget { get; }

    /// <summary>β_init.</summary>
    public float BetaInit { get; }

    /// <summary>Fraction of steps over which the budget ramps down.</summary>
    public double WarmupFraction { get; }

    /// <summary>Final fraction of steps with a frozen mask.</summary>
    public double FinetuneFraction { get; }

    /// <summary>Budget allocation.</summary>
    public SpartanAllocation Allocation { get; }

    /// <summary>Fixed-point iterations at most.</summary>
    public int MaxIterations { get; }

    /// <summary>Relative objective tolerance.</summary>
    public double Tolerance { get; }

    /// <summary>True from the fine-tune start on (mask frozen).</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>Soft mask values of layer <paramref name="layer"/>'s blocks (row-major over blocks) after the last <see cref="BeforeForward"/>.</summary>
    public ReadOnlySpan<float> SoftMask(int layer) => _mask.AsSpan(_blockStart[layer], Blocks(layer));

    /// <summary>Block costs (areas) of layer <paramref name="layer"/>.</summary>
    public ReadOnlySpan<float> Costs(int layer) => _costs.AsSpan(_blockStart[layer], Blocks(layer));

    /// <summary>Number of blocks of layer <paramref name="layer"/> kept by the hard mask at the last <see cref="BeforeForward"/>.</summary>
    public int HardCount(int layer)
    {
        int kept = 0;
        foreach (float f in EffectiveMask(layer)) if (f > 0f) kept++;
        return kept;
    }

    /// <summary>Kept cost fraction at <paramref name="step"/>: linear 1 → target over the warmup.</summary>
    public double CostFraction(int step, double target)
    {
        double warm = WarmupFraction * TotalSteps;
        double p = warm <= 0 ? 1 : Math.Min(1, step / warm);
        return 1 - (1 - target) * p;
    }

    /// <summary>β at <paramref name="step"/> for blocks of <paramref name="area"/>: linear β_init → β_target·√area until the fine-tune start.</summary>
    public float Beta(int step, int area)
    {
        double end = (1 - FinetuneFraction) * TotalSteps;
        double p = end <= 0 ? 1 : Math.Min(1, step / end);
        return (float)(BetaInit + (BetaTarget * Math.Sqrt(area) - BetaInit) * p);
    }

    /// <summary>Computes the masks for step <paramref name="step"/> (0-based) and swaps every weight to w̃.</summary>
    /// <exception cref="InvalidOperationException">Called twice without <see cref="AfterBackward"/>.</exception>
    public void BeforeForward(int step)
    {
        if (_swapped) throw new InvalidOperationException("BeforeForward was called twice: call AfterBackward after each backward pass.");
        bool freeze = step >= (1 - FinetuneFraction) * TotalSteps;
        if (!IsFrozen)
        {
            for (int l = 0; l < _weights.Length; l++) BlockValues(l);
            ComputeMasks(step);
            if (freeze)
            {
                // The soft values stay as fixed multipliers on the hard-kept blocks (the final weights are w·m).
                for (int l = 0; l < _weights.Length; l++) EffectiveMask(l).CopyTo(_frozen.AsSpan(_blockStart[l]));
                IsFrozen = true;
            }
        }
        for (int l = 0; l < _weights.Length; l++)
        {
            var w = _weights[l].Data;
            w.CopyTo(_saved[l]);
            var eff = IsFrozen ? _frozen.AsSpan(_blockStart[l], Blocks(l)) : EffectiveMask(l);
            var bo = _blockOf[l];
            for (int i = 0; i < w.Length; i++) w[i] *= eff[bo[i]];
        }
        _swapped = true;
    }

    /// <summary>Restores the weights and rewrites their gradients: dL/dw = G⊙m + sign(w)·∂L/∂v (frozen: G⊙m).</summary>
    /// <exception cref="InvalidOperationException">No matching <see cref="BeforeForward"/>.</exception>
    public void AfterBackward()
    {
        if (!_swapped) throw new InvalidOperationException("AfterBackward without BeforeForward.");
        _swapped = false;
        for (int l = 0; l < _weights.Length; l++)
        {
            var t = _weights[l];
            _saved[l].CopyTo(t.Data);
            if (!t.HasGrad) continue;
            var g = t.Grad;
            var w = t.Data;
            int start = _blockStart[l];
            if (IsFrozen)
            {
                var bo = _blockOf[l];
                for (int i = 0; i < g.Length; i++) g[i] *= _frozen[start + bo[i]];
                continue;
            }
            var mg = _maskGrad.AsSpan(start, Blocks(l));
            mg.Clear();
            var blocks = _blockOf[l];
            for (int i = 0; i < g.Length; i++) mg[blocks[i]] += g[i] * w[i];
        }
        if (IsFrozen) return;
        if (Allocation == SpartanAllocation.Global) SoftTopK.Backward(_mask, _costs, _maskGrad, _beta, _valueGrad);
        else
            for (int l = 0; l < _weights.Length; l++)
            {
                int s = _blockStart[l], n = Blocks(l);
                SoftTopK.Backward(_mask.AsSpan(s, n), _costs.AsSpan(s, n), _maskGrad.AsSpan(s, n), _beta, _valueGrad.AsSpan(s, n));
            }
        for (int l = 0; l < _weights.Length; l++)
        {
            var t = _weights[l];
            if (!t.HasGrad) continue;
            var g = t.Grad;
            var w = t.Data;
            int start = _blockStart[l];
            var bo = _blockOf[l];
            for (int i = 0; i < g.Length; i++) g[i] = g[i] * _mask[start + bo[i]] + MathF.Sign(w[i]) * _valueGrad[start + bo[i]];
        }
    }

    private int Blocks(int l) => _blockStart[l + 1] - _blockStart[l];

    /// <summary>m ⊙ 1[u ≥ τ] per block of layer l (written into _units' slot-free scratch: _valueGrad is reused).</summary>
    private Span<float> EffectiveMask(int l)
    {
        int s = _blockStart[l], n = Blocks(l);
        var eff = _valueGrad.AsSpan(s, n);
        for (int b = 0; b < n; b++) eff[b] = _units[s + b] >= _tau[l] ? _mask[s + b] : 0f;
        return eff;
    }

    private void BlockValues(int l)
    {
        int s = _blockStart[l];
        var v = _values.AsSpan(s, Blocks(l));
        v.Clear();
        var w = _weights[l].Data;
        var bo = _blockOf[l];
        for (int i = 0; i < w.Length; i++) v[bo[i]] += MathF.Abs(w[i]);
    }

    private void ComputeMasks(int step)
    {
        int area = _blockRows[0] * _blockCols[0];
        _beta = Beta(step, area);
        if (Allocation == SpartanAllocation.Global)
        {
            double total = _blockStart[^1] == 0 ? 0 : SumCosts(0, _blockStart[^1]);
            float tau = Solve(0, _blockStart[^1], CostFraction(step, Density) * total);
            Array.Fill(_tau, tau);
            return;
        }
        for (int l = 0; l < _weights.Length; l++)
        {
            int s = _blockStart[l], n = Blocks(l);
            _tau[l] = Solve(s, n, CostFraction(step, _targetDensity[l]) * SumCosts(s, n));
        }
    }

    private float Solve(int start, int count, double budget)
    {
        var v = _values.AsSpan(start, count);
        var c = _costs.AsSpan(start, count);
        var m = _mask.AsSpan(start, count);
        var u = _units.AsSpan(start, count);
        if (budget >= SumCosts(start, count) * (1 - 1e-9))
        {
            // Everything is kept: the soft mask is identically 1 (μ → ∞), so skip the iteration.
            m.Fill(1f);
            for (int i = 0; i < count; i++) u[i] = v[i] / c[i];
            return float.NegativeInfinity;
        }
        return SoftTopK.Forward(v, c, budget, _beta, m, _order.AsSpan(start, count), u, MaxIterations, Tolerance);
    }

    private double SumCosts(int start, int count)
    {
        double s = 0;
        for (int i = start; i < start + count; i++) s += _costs[i];
        return s;
    }

    private double[] TargetDensities()
    {
        int layers = _weights.Length;
        var d = new double[layers];
        if (Allocation != SpartanAllocation.Erk) { Array.Fill(d, Density); return d; }
        // ERK: d_l = ε·(in + out)/(in·out), with layers that would exceed 1 fixed dense and ε re-solved for the rest.
        var dense = new bool[layers];
        double totalParams = _weights.Sum(w => (double)w.Size);
        while (true)
        {
            double budget = Density * totalParams, raw = 0;
            for (int l = 0; l < layers; l++)
            {
                var w = _weights[l];
                if (dense[l]) budget -= w.Size;
                else raw += (double)(w.Dim(0) + w.Dim(1)) / w.Size * w.Size;
            }
            double eps = budget / raw;
            bool changed = false;
            for (int l = 0; l < layers; l++)
            {
                var w = _weights[l];
                d[l] = dense[l] ? 1 : eps * (w.Dim(0) + w.Dim(1)) / w.Size;
                if (d[l] > 1) { dense[l] = true; changed = true; }
            }
            if (!changed) return d;
        }
    }
}
