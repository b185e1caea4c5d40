// TopKastLinear: a linear layer trained by Top-KAST (Jayakumar, Pascanu, Rae, Osindero, Elsen, "Top-KAST: Top-K
// Always Sparse Training", NeurIPS 2020). A dense parameter reservoir θ [out × in] (dense, as published) is ranked
// by |θ|: the forward set A = top-D runs the forward pass through the CSR kernels (O(|A|·batch)); the backward set
// B = top-(D+M) ⊇ A receives gradients, computed only at B's positions by SDDMM (O(|B|·batch)), and is the only
// part the optimizer sees (its parameter is θ restricted to B, [|B|]). The reservoir C = rest is never updated.
// The exploration regularizer R = λ·[Σ_A θ² + (1/D)·Σ_{B\A} θ²] enters as its gradient in the backward pass (same
// sparsity as the loss gradient), so the optimizer must have weight decay 0 (its decay would touch only B, but
// with the wrong weights). Sets are recomputed every RefreshEvery steps by a full ranking of |θ| (O(n log n) time,
// O(|B|) scratch allocated per refresh); the per-step forward and backward allocate nothing beyond the tape.
// Weights that leave B keep their value in θ; their optimizer state is dropped (the paper leaves this open).
// Not here: the compact reservoir of ALGORITHMS.md §4a (only B plus ever-touched entries), the GSE repo's
// schedule (every step for 20 epochs, then every 1000).
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>
/// y = x·(θ⊙1_A)ᵀ + b with Top-KAST's forward set A (top-D by |θ|) and backward set B (top-(D+M)).
/// Call <see cref="Step"/> after every optimizer step; it refreshes A and B every <see cref="RefreshEvery"/> steps.
/// Defaults: per-layer top-k, refresh every 100 steps (equivalent to every step in the paper's Table 6), squared L2.
/// </summary>
public sealed class TopKastLinear : Module
{
    private readonly float[] _reservoir;
    private float[] _xt = [];   // Xᵀ [in × batch] of the last forward
    private float[] _dyt = [];  // dYᵀ [out × batch] of the last backward
    private readonly int[] _order;
    private readonly int[] _bRows, _bCols, _aToB;
    private readonly bool[] _inA;
    private readonly BackwardRemap _remap = new();
    private CsrMatrix _forward;

    /// <summary>Creates the layer with θ ~ U(±1/√in) (so the initial A is effectively random, as in the paper).</summary>
    /// <param name="inFeatures">Inputs.</param>
    /// <param name="outFeatures">Outputs.</param>
    /// <param name="forwardDensity">D: fraction of weights in the forward pass.</param>
    /// <param name="backwardExtra">M: extra fraction receiving gradients (B has D + M).</param>
    /// <param name="rng">Initialization stream.</param>
    /// <param name="regularization">λ of the exploration regularizer (the paper uses the weight decay, 1e-4 on ImageNet).</param>
    /// <param name="refreshEvery">N: steps between set refreshes (100; the paper finds 1 and 100 equivalent).</param>
    /// <param name="squaredPenalty">Squared L2 (default) or absolute penalty.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <exception cref="ArgumentOutOfRangeException">D ∉ (0, 1], M &lt; 0, D + M &gt; 1, λ &lt; 0, or refreshEvery ≤ 0.</exception>
    public TopKastLinear(int inFeatures, int outFeatures, double forwardDensity, double backwardExtra, Rng rng,
        float regularization = 1e-4f, int refreshEvery = 100, bool squaredPenalty = true, bool bias = true)
    {
        if (!(forwardDensity is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(forwardDensity), forwardDensity, "The forward density D must be in (0, 1].");
        if (!(backwardExtra >= 0) || forwardDensity + backwardExtra > 1 + 1e-12)
            throw new ArgumentOutOfRangeException(nameof(backwardExtra), backwardExtra, $"The backward extra M must be ≥ 0 with D + M ≤ 1 (D = {forwardDensity}).");
        if (!(regularization >= 0)) throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "λ must be ≥ 0.");
        if (refreshEvery <= 0) throw new ArgumentOutOfRangeException(nameof(refreshEvery), refreshEvery, "The refresh interval N must be a positive number of steps.");
        (InFeatures, OutFeatures, ForwardDensity, BackwardExtra) = (inFeatures, outFeatures, forwardDensity, backwardExtra);
        (Regularization, RefreshEvery, SquaredPenalty) = (regularization, refreshEvery, squaredPenalty);
        long n = (long)inFeatures * outFeatures;
        _reservoir = new float[n];
        float bound = 1f / MathF.Sqrt(inFeatures);
        rng.FillUniform(_reservoir, -bound, bound);
        ForwardCount = (int)Math.Max(1, Math.Round(forwardDensity * n));
        BackwardCount = (int)Math.Min(n, Math.Max(ForwardCount, Math.Round((forwardDensity + backwardExtra) * n)));
        _order = new int[n];
        _bRows = new int[BackwardCount];
        _bCols = new int[BackwardCount];
        _aToB = new int[ForwardCount];
        _inA = new bool[BackwardCount];
        BackwardValues = RegisterParameter("weight", new Tensor(BackwardCount));
        if (bias)
        {
            Bias = RegisterParameter("bias", new Tensor(outFeatures));
            rng.FillUniform(Bias.Data, -bound, bound);
        }
        _forward = SelectSets(null);
    }

    /// <summary>Inputs.</summary>
    public int InFeatures { get; }

    /// <summary>Outputs.</summary>
    public int OutFeatures { get; }

    /// <summary>D.</summary>
    public double ForwardDensity { get; }

    /// <summary>M.</summary>
    public double BackwardExtra { get; }

    /// <summary>|A| = round(D·n).</summary>
    public int ForwardCount { get; }

    /// <summary>|B| = round((D + M)·n).</summary>
    public int BackwardCount { get; }

    /// <summary>λ.</summary>
    public float Regularization { get; }

    /// <summary>N: steps between set refreshes.</summary>
    public int RefreshEvery { get; }

    /// <summary>True: λ·θ² penalties (default); false: λ·|θ| (the paper's wording, ALGORITHMS.md §4a).</summary>
    public bool SquaredPenalty { get; }

    /// <summary>θ on B in row-major position order [|B|]: the optimizer's parameter.</summary>
    public Tensor BackwardValues { get; }

    /// <summary>Bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>The forward set A as CSR (values = θ on A at the last forward).</summary>
    public CsrMatrix ForwardSet => _forward;

    /// <summary>Row-major linear index of B's entry i.</summary>
    public long BackwardPosition(int i) => (long)_bRows[i] * InFeatures + _bCols[i];

    /// <summary>True when B's entry i is also in A.</summary>
    public bool InForwardSet(int i) => _inA[i];

    /// <summary>The reservoir θ [out × in]; entries of B are current after <see cref="Step"/> or <see cref="SyncReservoir"/>.</summary>
    public ReadOnlySpan<float> Reservoir => _reservoir;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var a = _forward.Values;
        var b = BackwardValues.Data;
        for (int i = 0; i < a.Length; i++) a[i] = b[_aToB[i]]; // A ⊂ B: the forward weights are θ on A, O(|A|)
        if (input.Dim(-1) != InFeatures) throw new ArgumentException($"TopKastLinear expects inputs with last dimension {InFeatures}, got {input}.", nameof(input));
        int batch = input.Size / InFeatures;
        if (_xt.Length < InFeatures * batch) _xt = new float[InFeatures * batch];
        if (_dyt.Length < OutFeatures * batch) _dyt = new float[OutFeatures * batch];
        var xt = _xt.AsSpan(0, InFeatures * batch);
        Transpose.Matrix(input.Data, xt, batch, InFeatures);
        Span<int> tShape = [OutFeatures, batch];
        var yt = Tape.NewOutput(tShape);
        Csr.SpMM(_forward.RowPointers, _forward.ColumnIndices, a, xt, yt.Data, OutFeatures, InFeatures, batch, accumulate: false);
        Span<int> shape = stackalloc int[input.Rank];
        input.Shape.CopyTo(shape);
        shape[^1] = OutFeatures;
        var y = Tape.NewOutput(shape);
        Transpose.Matrix(yt.Data, y.Data, OutFeatures, batch);
        if (Bias is not null) Sprout.Kernels.Bias.AddRows(y.Data, Bias.Data, batch, OutFeatures);
        if (Tape.GradEnabled)
        {
            var node = Node.Record(Tape.Current!);
            (node.Layer, node.X, node.Y, node.Batch) = (this, input, y, batch);
            if (input.RequiresGrad)
            {
                Span<int> xtShape = [InFeatures, batch];
                node.DxT = Tape.NewOutput(xtShape);
                node.Dx = Tape.NewOutput(input.Shape);
            }
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>Call after optimizer step <paramref name="step"/> (1-based); refreshes A and B every N steps. Returns true on a refresh.</summary>
    public bool Step(int step, IOptimizerState? optimizer)
    {
        if (step % RefreshEvery != 0) return false;
        SyncReservoir();
        _forward = SelectSets(optimizer);
        return true;
    }

    /// <summary>Writes θ on B back into the reservoir (the optimizer updates only B's copy).</summary>
    public void SyncReservoir()
    {
        var b = BackwardValues.Data;
        for (int i = 0; i < BackwardCount; i++) _reservoir[BackwardPosition(i)] = b[i];
    }

    /// <summary>Ranks |θ| and rebuilds A, B, B's values and (remapped) optimizer state.</summary>
    private CsrMatrix SelectSets(IOptimizerState? optimizer)
    {
        int n = _reservoir.Length;
        for (int i = 0; i < n; i++) _order[i] = i;
        // Descending |θ|, ties by position, so the sets are deterministic.
        _order.AsSpan().Sort((x, y) =>
        {
            int c = MathF.Abs(_reservoir[y]).CompareTo(MathF.Abs(_reservoir[x]));
            return c != 0 ? c : x.CompareTo(y);
        });
        var bPositions = _order.AsSpan(0, BackwardCount);
        var aPositions = _order.AsSpan(0, ForwardCount).ToArray();
        Array.Sort(aPositions);
        var oldPositions = new long[BackwardCount];
        for (int i = 0; i < BackwardCount; i++) oldPositions[i] = (long)_bRows[i] * InFeatures + _bCols[i];
        bool hadSets = optimizer is not null;
        bPositions.Sort();
        var sources = new int[BackwardCount];
        var b = BackwardValues.Data;
        int ai = 0;
        for (int i = 0; i < BackwardCount; i++)
        {
            int p = bPositions[i];
            _bRows[i] = p / InFeatures;
            _bCols[i] = p % InFeatures;
            b[i] = _reservoir[p];
            sources[i] = hadSets ? Array.BinarySearch(oldPositions, (long)p) : -1;
            _inA[i] = ai < aPositions.Length && aPositions[ai] == p;
            if (_inA[i]) _aToB[ai++] = i;
        }
        if (optimizer is not null)
        {
            _remap.Sources = sources;
            optimizer.RemapState(BackwardValues, _remap);
        }
        var rows = new int[ForwardCount];
        var cols = new int[ForwardCount];
        for (int i = 0; i < ForwardCount; i++) (rows[i], cols[i]) = (aPositions[i] / InFeatures, aPositions[i] % InFeatures);
        return CsrMatrix.FromEntries(OutFeatures, InFeatures, rows, cols);
    }

    /// <summary>Optimizer state follows B: entries that stay keep their state (momentum of newcomers starts at 0).</summary>
    private sealed class BackwardRemap : IElementRemap
    {
        public int[] Sources = [];

        public void Remap(Span<float> state)
        {
            var old = state.ToArray();
            for (int i = 0; i < state.Length; i++) state[i] = Sources[i] >= 0 ? old[Sources[i]] : 0f;
        }
    }

    private sealed class Node : Node<Node>
    {
        public TopKastLinear Layer = null!;
        public Tensor X = null!, Y = null!;
        public Tensor? DxT, Dx;
        public int Batch;

        public override void Backward()
        {
            var l = Layer;
            int inF = l.InFeatures, outF = l.OutFeatures;
            var dyt = l._dyt.AsSpan(0, outF * Batch);
            Transpose.Matrix(Y.Grad, dyt, Batch, outF);
            var values = l.BackwardValues;
            if (values.RequiresGrad)
            {
                // Loss gradient w.r.t. the forward weights α, evaluated only at B's positions.
                Csr.SddmmAt(l._bRows, l._bCols, dyt, l._xt.AsSpan(0, inF * Batch), values.Grad, outF, inF, Batch, accumulate: true);
                // Exploration regularizer: λ on A, λ/D on B\A (its gradient has B's sparsity).
                float lambda = l.Regularization, lambdaOut = (float)(lambda / l.ForwardDensity);
                var theta = values.Data;
                var grad = values.Grad;
                for (int i = 0; i < theta.Length; i++)
                {
                    float scale = l._inA[i] ? lambda : lambdaOut;
                    grad[i] += l.SquaredPenalty ? 2f * scale * theta[i] : scale * MathF.Sign(theta[i]);
                }
            }
            if (l.Bias is { RequiresGrad: true }) Sprout.Kernels.Bias.AddRowsBackward(Y.Grad, l.Bias.Grad, Batch, outF);
            if (DxT is not null && Dx is not null)
            {
                var f = l._forward;
                Csr.SpMMTransposed(f.ColumnPointers, f.RowIndices, f.TransposePermutation, f.Values, dyt, DxT.Data, outF, inF, Batch, accumulate: false);
                Transpose.Matrix(DxT.Data, Dx.Data, inF, Batch);
                TensorPrimitives.Add(X.Grad, Dx.Data, X.Grad);
            }
        }

        protected override void Clear() => (Layer, X, Y, DxT, Dx) = (null!, null!, null!, null, null);
    }
}
