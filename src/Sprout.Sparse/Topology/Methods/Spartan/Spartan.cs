// Spartan (Tai, Tian, Lim, "Spartan: Differentiable Sparsity via Regularized Transportation", NeurIPS 2022;
// facebookresearch/spartan). Masked dense, as published: dense weights, a dense soft mask and a threshold over all
// entries every step. Each step the weights are swapped for w̃ = w ⊙ m ⊙ 1[u ≥ τ] before the forward pass (hard top-k forward),
// and after the backward pass swapped back with the gradient rewritten to dL/dw = G⊙m + sign(w)·∂L/∂v
// (straight-through indicator plus the implicit-differentiation mask backward; G = dL/dw̃, v = block sums of |w|).
// Schedules: the kept cost fraction goes linearly 1 → target over the first 20% of steps; β goes 1 → β_target·√area
// until fine-tuning starts at 80%, where the mask m⊙1[u≥τ] is frozen as a fixed multiplier.
// Per step the work is O(n) vector passes: |w| (block sums), a warm-started soft top-k (SoftTopKSolver), the masked
// swap and the gradient rewrite; unstructured layers (1×1 blocks) take span-wide SIMD paths, block layers a scalar
// loop over their block index. Nothing is allocated after construction.
// Not here: the FLOPs cost model for convolutions (costs are block areas), adjust_cost_frac, cosine schedules.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>
/// Spartan sparsifier over dense weight tensors [out × in]. Call <see cref="BeforeForward"/> before the forward
/// pass of step t (0-based) and <see cref="AfterBackward"/> after the backward pass, before the optimizer step.
/// Defaults (reference library): target density 0.10, β 1 → 20, warmup 20%, fine-tune 20%, global allocation,
/// unstructured blocks (1×1); the soft mask meets its budget within 0.01% (the reference stops at a 1% change of Σ m·v).
/// </summary>
public sealed partial class Spartan
{
    private readonly Tensor[] _weights;
    private readonly int[] _blockStart;      // [L + 1] first block of each layer in the pooled arrays
    private readonly int[] _blockRows, _blockCols;
    private readonly double[] _targetDensity; // per layer (uniform/ERK) or the global target
    private readonly float[] _values, _costs, _mask, _units, _maskGrad, _valueGrad, _effective, _frozen;
    private readonly float[][] _saved;
    private readonly int[]?[] _blockOf;      // per layer [out·in]: the block index of each entry; null for 1×1 blocks (identity)
    private readonly float[] _tau;
    private readonly double[] _poolCost;     // Σ c of each pool (one pool, or one per layer)
    private readonly SoftTopKSolver[] _solvers;
    private bool _swapped;
    private float _beta;
    private readonly (int Height, int Width)[] _kernels;

    /// <summary>
    /// Creates the sparsifier; weights are rank-2 parameter tensors [out × in] (a conv's [Cout × Cin·KH·KW]).
    /// <paramref name="kernels"/> gives each weight's kernel KH×KW (null: all 1×1) so that ERK uses the conv formula
    /// (Cin + Cout + KH + KW)/(Cin·Cout·KH·KW), as density allocation does (ALGORITHMS.md §6).
    /// </summary>
    /// <exception cref="ArgumentException">No weights, a weight that is not rank 2, a kernel that does not divide its weight's columns, or a bad schedule value.</exception>
    public Spartan(IReadOnlyList<Tensor> weights, int totalSteps, double density = 0.1, float betaTarget = 20f, float betaInit = 1f,
        double warmupFraction = 0.2, double finetuneFraction = 0.2, int blockRows = 1, int blockCols = 1,
        SpartanAllocation allocation = SpartanAllocation.Global, int maxIterations = 100, double tolerance = SoftTopK.DefaultTolerance,
        IReadOnlyList<(int Height, int Width)>? kernels = null)
    {
        if (weights.Count == 0) throw new ArgumentException("Spartan needs at least one weight tensor.", nameof(weights));
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "Total steps must be positive.");
        if (!(density is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(density), density, "The target density (kept cost fraction) must be in (0, 1].");
        if (!(warmupFraction >= 0 && finetuneFraction >= 0 && warmupFraction + finetuneFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(warmupFraction), "Warmup and fine-tune fractions must be ≥ 0 and sum to at most 1.");
        if (!(betaInit > 0 && betaTarget >= betaInit)) throw new ArgumentOutOfRangeException(nameof(betaTarget), "Need 0 < β_init ≤ β_target.");
        if (blockRows <= 0 || blockCols <= 0) throw new ArgumentOutOfRangeException(nameof(blockRows), "Block dimensions must be positive.");
        if (maxIterations <= 0) throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "The soft top-k needs at least one iteration.");
        if (!(tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The budget tolerance must be positive (e.g. 1e-4).");
        _weights = weights.ToArray();
        if (kernels is not null && kernels.Count != weights.Count)
            throw new ArgumentException($"{kernels.Count} kernel sizes for {weights.Count} weights.", nameof(kernels));
        _kernels = kernels?.ToArray() ?? Enumerable.Repeat((1, 1), weights.Count).ToArray();
        for (int l = 0; l < _kernels.Length; l++)
            if (_kernels[l].Height < 1 || _kernels[l].Width < 1 || weights[l].Rank != 2 || weights[l].Dim(1) % (_kernels[l].Height * _kernels[l].Width) != 0)
                throw new ArgumentException($"Weight {l} ({weights[l]}) does not hold whole {_kernels[l].Height}×{_kernels[l].Width} kernels.", nameof(kernels));
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
            int cols = w.Dim(1), br = _blockRows[l], bc = _blockCols[l], perRow = cols / bc;
            if (br * bc == 1) continue;
            var blockOf = _blockOf[l] = new int[w.Size];
            for (int i = 0; i < w.Size; i++) blockOf[i] = (i / cols / br) * perRow + (i % cols) / bc;
        }
        int n = _blockStart[layers];
        (_values, _costs, _mask, _units, _maskGrad, _valueGrad, _effective, _frozen) =
            (new float[n], new float[n], new float[n], new float[n], new float[n], new float[n], new float[n], new float[n]);
        for (int l = 0; l < layers; l++) _costs.AsSpan(_blockStart[l], Blocks(l)).Fill(_blockRows[l] * _blockCols[l]);
        _targetDensity = TargetDensities();
        int pools = allocation == SpartanAllocation.Global ? 1 : layers;
        _solvers = new SoftTopKSolver[pools];
        _poolCost = new double[pools];
        for (int p = 0; p < pools; p++)
        {
            var (start, count) = Pool(p);
            _solvers[p] = new SoftTopKSolver(count);
            foreach (float c in _costs.AsSpan(start, count)) _poolCost[p] += c;
        }
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

    /// <summary>Newton passes of the soft top-k at most.</summary>
    public int MaxIterations { get; }

    /// <summary>Relative budget tolerance of the soft mask, |Σ c·m − k| ≤ tol·k.</summary>
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
        foreach (float f in Effective(layer)) if (f > 0f) kept++;
        return kept;
    }

    /// <summary>The soft top-k solver of pool <paramref name="pool"/> (0 under global allocation, else the layer index).</summary>
    public SoftTopKSolver Solver(int pool) => _solvers[pool];

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
            for (int l = 0; l < _weights.Length; l++)
                SoftTopKLoops.Effective(Slice(_units, l), Slice(_mask, l), _tau[l], Slice(_effective, l));
            if (freeze)
            {
                // The soft values stay as fixed multipliers on the hard-kept blocks (the final weights are w·m).
                _effective.CopyTo(_frozen, 0);
                IsFrozen = true;
            }
        }
        for (int l = 0; l < _weights.Length; l++)
        {
            var w = _weights[l].Data;
            w.CopyTo(_saved[l]);
            Scale(l, w, IsFrozen ? Slice(_frozen, l) : Slice(_effective, l));
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
            if (IsFrozen) { Scale(l, g, Slice(_frozen, l)); continue; }
            var mg = Slice(_maskGrad, l);
            if (_blockOf[l] is not { } blocks) { TensorPrimitives.Multiply(g, w, mg); continue; }
            mg.Clear();
            for (int i = 0; i < g.Length; i++) mg[blocks[i]] += g[i] * w[i];
        }
        if (IsFrozen) return;
        for (int p = 0; p < _solvers.Length; p++)
        {
            var (s, n) = Pool(p);
            SoftTopK.Backward(_mask.AsSpan(s, n), _costs.AsSpan(s, n), _maskGrad.AsSpan(s, n), _beta, _valueGrad.AsSpan(s, n));
        }
        for (int l = 0; l < _weights.Length; l++)
        {
            var t = _weights[l];
            if (!t.HasGrad) continue;
            var g = t.Grad;
            var w = t.Data;
            Span<float> m = Slice(_mask, l), dv = Slice(_valueGrad, l);
            if (_blockOf[l] is not { } bo) { SoftTopKLoops.RewriteGradient(g, w, m, dv); continue; }
            for (int i = 0; i < g.Length; i++) g[i] = g[i] * m[bo[i]] + MathF.Sign(w[i]) * dv[bo[i]];
        }
    }

    private int Blocks(int l) => _blockStart[l + 1] - _blockStart[l];

    private Span<float> Slice(float[] pooled, int l) => pooled.AsSpan(_blockStart[l], Blocks(l));

    /// <summary>Entries (start, count) of pool p in the pooled arrays.</summary>
    private (int Start, int Count) Pool(int p) => Allocation == SpartanAllocation.Global ? (0, _blockStart[^1]) : (_blockStart[p], Blocks(p));

    /// <summary>m ⊙ 1[u ≥ τ] per block of layer l, as of the last mask computation.</summary>
    private ReadOnlySpan<float> Effective(int l) => IsFrozen ? Slice(_frozen, l) : Slice(_effective, l);

    /// <summary>x ← x ⊙ (per-block factor broadcast over each block) for layer l's [out·in] entries.</summary>
    private void Scale(int l, Span<float> x, ReadOnlySpan<float> perBlock)
    {
        if (_blockOf[l] is not { } bo) { TensorPrimitives.Multiply(x, perBlock, x); return; }
        for (int i = 0; i < x.Length; i++) x[i] *= perBlock[bo[i]];
    }

    private void BlockValues(int l)
    {
        var v = Slice(_values, l);
        var w = _weights[l].Data;
        if (_blockOf[l] is not { } bo) { TensorPrimitives.Abs(w, v); return; }
        v.Clear();
        for (int i = 0; i < w.Length; i++) v[bo[i]] += MathF.Abs(w[i]);
    }

    private void ComputeMasks(int step)
    {
        int area = _blockRows[0] * _blockCols[0];
        _beta = Beta(step, area);
        TensorPrimitives.Divide(_values, _costs, _units);
        for (int p = 0; p < _solvers.Length; p++)
        {
            double target = Allocation == SpartanAllocation.Global ? Density : _targetDensity[p];
            float tau = Solve(p, CostFraction(step, target) * _poolCost[p]);
            if (Allocation == SpartanAllocation.Global) Array.Fill(_tau, tau);
            else _tau[p] = tau;
        }
    }

    private float Solve(int pool, double budget)
    {
        var (start, count) = Pool(pool);
        var m = _mask.AsSpan(start, count);
        if (budget >= _poolCost[pool] * (1 - 1e-9))
        {
            // Everything is kept: the soft mask is identically 1 (μ → ∞), so skip the iteration.
            m.Fill(1f);
            return float.NegativeInfinity;
        }
        return _solvers[pool].Solve(_units.AsSpan(start, count), _costs.AsSpan(start, count), budget, _beta, m, MaxIterations, Tolerance);
    }

    private double[] TargetDensities()
    {
        int layers = _weights.Length;
        var d = new double[layers];
        if (Allocation != SpartanAllocation.Erk) { Array.Fill(d, Density); return d; }
        // ERK: d_l = ε·(in + out)/(in·out) (conv: ε·(Cin + Cout + KH + KW)/(Cin·Cout·KH·KW)), with layers that would
        // exceed 1 fixed dense and ε re-solved for the rest.
        var dense = new bool[layers];
        double totalParams = _weights.Sum(w => (double)w.Size);
        while (true)
        {
            double budget = Density * totalParams, raw = 0;
            for (int l = 0; l < layers; l++)
            {
                var w = _weights[l];
                if (dense[l]) budget -= w.Size;
                else raw += ErkNumerator(l);
            }
            double eps = budget / raw;
            bool changed = false;
            for (int l = 0; l < layers; l++)
            {
                var w = _weights[l];
                d[l] = dense[l] ? 1 : eps * ErkNumerator(l) / w.Size;
                if (d[l] > 1) { dense[l] = true; changed = true; }
            }
            if (!changed) return d;
        }
    }

    /// <summary>ERK's raw density of layer l times its size: in + out, or Cin + Cout + KH + KW for a conv kernel larger than 1×1.</summary>
    private double ErkNumerator(int l)
    {
        var w = _weights[l];
        var (kh, kw) = _kernels[l];
        return kh * kw == 1 ? w.Dim(0) + w.Dim(1) : w.Dim(0) + w.Dim(1) / (kh * kw) + kh + kw;
    }
}
