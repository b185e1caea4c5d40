// TopKastLinear: a linear layer trained by Top-KAST (Jayakumar, Pascanu, Rae, Osindero, Elsen, "Top-KAST: Top-K
// Always Sparse Training", NeurIPS 2020). A parameter reservoir θ [out × in] is ranked by |θ|: the forward set
// A = top-D runs the forward pass through the CSR kernels (O(|A|·batch)); the backward set B = top-(D+M) ⊇ A
// receives gradients, computed only at B's positions by SDDMM (O(|B|·batch)), and is the only part the optimizer
// sees (its parameter is θ restricted to B, [|B|]). The reservoir C = rest is never updated. It is dense as
// published, or compact (TopKastReservoirKind; ALGORITHMS.md §4a), with identical results.
// The exploration regularizer R = λ·[Σ_A θ² + (1/D)·Σ_{B\A} θ²] enters as its gradient in the backward pass (same
// sparsity as the loss gradient), so the optimizer must have weight decay 0 (its decay would touch only B, but
// with the wrong weights). Sets are recomputed every RefreshEvery steps by quickselect (B from the reservoir,
// A = top-|A| of B), into buffers allocated once; the per-step forward and backward allocate nothing beyond the tape.
// Weights that leave B keep their value in θ; their optimizer state is dropped (the paper leaves this open).
// Initial values come from a counter-based hash of (seed, position), so the compact reservoir can regenerate them.
// Not here: the GSE repo's schedule (every step for 20 epochs, then every 1000).
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;

namespace Sprout.Nn;

/// <summary>
/// y = x·(θ⊙1_A)ᵀ + b with Top-KAST's forward set A (top-D by |θ|) and backward set B (top-(D+M)).
/// Call <see cref="Step"/> after every optimizer step; it refreshes A and B every <see cref="RefreshEvery"/> steps.
/// Defaults: per-layer top-k, refresh every 100 steps (equivalent to every step in the paper's Table 6), squared L2,
/// dense reservoir.
/// </summary>
public sealed partial class TopKastLinear : Module, ITopKastLayer, ICountsMultiplyAdds, IDescribedLayer
{
    private readonly TopKastReservoir _reservoir;
    private float[] _xt = [];   // Xᵀ [in × batch] of the last forward
    private float[] _dyt = [];  // dYᵀ [out × batch] of the last backward
    private readonly long[] _bPositions, _nextPositions;
    private readonly float[] _nextValues, _magnitudes, _scratch;
    private readonly int[] _bRows, _bCols, _aToB, _sources, _aRowPointers, _aColumns;
    private readonly bool[] _inA;
    private readonly BackwardRemap _remap;
    private readonly CsrMatrix _forward;

    /// <summary>Creates the layer with θ ~ U(±1/√in) (so the initial A is effectively random, as in the paper).</summary>
    /// <param name="inFeatures">Inputs.</param>
    /// <param name="outFeatures">Outputs.</param>
    /// <param name="forwardDensity">D: fraction of weights in the forward pass.</param>
    /// <param name="backwardExtra">M: extra fraction receiving gradients (B has D + M).</param>
    /// <param name="rng">Initialization stream (one draw seeds θ's hash, then the bias).</param>
    /// <param name="regularization">λ of the exploration regularizer (the paper uses the weight decay, 1e-4 on ImageNet).</param>
    /// <param name="refreshEvery">N: steps between set refreshes (100; the paper finds 1 and 100 equivalent).</param>
    /// <param name="squaredPenalty">Squared L2 (default) or absolute penalty.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="reservoir">Dense θ as published (default), or the compact reservoir.</param>
    /// <exception cref="ArgumentOutOfRangeException">D ∉ (0, 1], M &lt; 0, D + M &gt; 1, λ &lt; 0, or refreshEvery ≤ 0.</exception>
    public TopKastLinear(int inFeatures, int outFeatures, double forwardDensity, double backwardExtra, Rng rng,
        float regularization = 1e-4f, int refreshEvery = 100, bool squaredPenalty = true, bool bias = true,
        TopKastReservoirKind reservoir = TopKastReservoirKind.Dense)
        : this(inFeatures, outFeatures, forwardDensity, backwardExtra, rng, regularization, refreshEvery, squaredPenalty, bias, reservoir,
            1f / MathF.Sqrt(inFeatures)) { }

    /// <summary>As the public constructor, with θ ~ U(±<paramref name="initBound"/>) (TopKastConv2d: He's bound over the conv fan-in).</summary>
    internal TopKastLinear(int inFeatures, int outFeatures, double forwardDensity, double backwardExtra, Rng rng,
        float regularization, int refreshEvery, bool squaredPenalty, bool bias, TopKastReservoirKind reservoir, float initBound)
    {
        long n = (long)inFeatures * outFeatures;
        (ForwardCount, BackwardCount) = TopKastSetSizes.Of(n, forwardDensity, backwardExtra, regularization, refreshEvery);
        (InFeatures, OutFeatures, ForwardDensity, BackwardExtra) = (inFeatures, outFeatures, forwardDensity, backwardExtra);
        (Regularization, RefreshEvery, SquaredPenalty, ReservoirKind) = (regularization, refreshEvery, squaredPenalty, reservoir);
        float bound = initBound;
        _reservoir = TopKastReservoir.Create(reservoir, n, BackwardCount, rng.NextUInt64(), bound);
        int k = BackwardCount;
        (_bPositions, _nextPositions, _nextValues) = (new long[k], new long[k], new float[k]);
        (_magnitudes, _scratch) = (new float[k], new float[k]);
        (_bRows, _bCols, _sources, _inA) = (new int[k], new int[k], new int[k], new bool[k]);
        (_aToB, _aColumns, _aRowPointers) = (new int[ForwardCount], new int[ForwardCount], new int[outFeatures + 1]);
        _remap = new BackwardRemap(_sources, k);
        BackwardValues = RegisterParameter("weight", new Tensor(BackwardCount));
        if (bias)
        {
            Bias = RegisterParameter("bias", new Tensor(outFeatures));
            rng.FillUniform(Bias.Data, -bound, bound);
        }
        _reservoir.Select([], [], _nextPositions, _nextValues);
        AdoptSets(null, hadSets: false);
        _forward = CsrMatrix.FromCsr(outFeatures, inFeatures, _aRowPointers, _aColumns, new float[ForwardCount]);
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

    /// <summary>How θ outside B is stored.</summary>
    public TopKastReservoirKind ReservoirKind { get; }

    /// <summary>θ on B in row-major position order [|B|]: the optimizer's parameter.</summary>
    public Tensor BackwardValues { get; }

    /// <summary>Bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public long DenseMacsPerSample => 3L * InFeatures * OutFeatures;

    /// <inheritdoc/>
    /// <remarks>|A| forward, |A| for the input gradient and |B| for the weight gradient (SDDMM at B).</remarks>
    public long ExecutedMacsPerSample => 2L * ForwardCount + BackwardCount;

    /// <summary>The forward set A as CSR (values = θ on A at the last forward).</summary>
    public CsrMatrix ForwardSet => _forward;

    /// <summary>Rows of B's entries, in B's order (for a conv's weight-gradient kernel).</summary>
    internal ReadOnlySpan<int> BackwardRows => _bRows;

    /// <summary>Columns of B's entries, in B's order.</summary>
    internal ReadOnlySpan<int> BackwardCols => _bCols;

    /// <summary>Copies θ on A into the forward set's values (A ⊂ B, O(|A|)); a conv's forward runs on <see cref="ForwardSet"/> after it.</summary>
    internal void SyncForwardValues()
    {
        var a = _forward.Values;
        var b = BackwardValues.Data;
        for (int i = 0; i < a.Length; i++) a[i] = b[_aToB[i]];
    }

    /// <summary>Row-major linear index of B's entry i.</summary>
    public long BackwardPosition(int i) => _bPositions[i];

    /// <summary>True when B's entry i is also in A.</summary>
    public bool InForwardSet(int i) => _inA[i];

    /// <summary>θ at a row-major position: the optimizer's copy inside B, the reservoir's value outside.</summary>
    public float ValueAt(long position)
    {
        int i = _bPositions.AsSpan().BinarySearch(position);
        return i >= 0 ? BackwardValues[i] : _reservoir.ValueOutside(position);
    }

    /// <inheritdoc/>
    /// <remarks>Nnz is the forward set |A|.</remarks>
    public LayerDescription Describe() => new("topkast", LayerGeometry.Linear(OutFeatures, InFeatures), ForwardCount, DenseMacsPerSample, ExecutedMacsPerSample);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        SyncForwardValues(); // A ⊂ B: the forward weights are θ on A
        var a = _forward.Values;
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
        _reservoir.Select(_bPositions, BackwardValues.Data, _nextPositions, _nextValues);
        AdoptSets(optimizer, hadSets: true);
        _forward.RestoreStructure(_aRowPointers, _aColumns);
        return true;
    }

    /// <summary>
    /// Makes the selected _nextPositions/_nextValues the backward set B (remapping the optimizer's state), and
    /// A = the top-|A| of B by |θ| (ties to the lower position), written as CSR into _aRowPointers/_aColumns.
    /// </summary>
    private void AdoptSets(IOptimizerState? optimizer, bool hadSets)
    {
        int k = BackwardCount;
        for (int i = 0; i < k; i++)
        {
            int old = hadSets ? _bPositions.AsSpan().BinarySearch(_nextPositions[i]) : -1;
            _sources[i] = old >= 0 ? old : -1;
        }
        _nextPositions.CopyTo(_bPositions, 0);
        _nextValues.CopyTo(BackwardValues.Data);
        SetsFromPositions();
        if (optimizer is not null) optimizer.RemapState(BackwardValues, _remap);
    }

    /// <summary>Rows/columns of B, then A from B's values, then A's CSR arrays.</summary>
    private void SetsFromPositions()
    {
        var b = BackwardValues.Data;
        for (int i = 0; i < BackwardCount; i++) (_bRows[i], _bCols[i]) = ((int)(_bPositions[i] / InFeatures), (int)(_bPositions[i] % InFeatures));
        TensorPrimitives.Abs(b, _magnitudes);
        MaskSelection.TopKIndices(_magnitudes, ForwardCount, _scratch, _aToB);
        MarkForwardSet();
    }

    /// <summary>_inA and A's CSR arrays from _aToB (ascending indices into B).</summary>
    private void MarkForwardSet()
    {
        Array.Clear(_inA);
        Array.Clear(_aRowPointers);
        for (int j = 0; j < ForwardCount; j++)
        {
            int i = _aToB[j];
            _inA[i] = true;
            _aColumns[j] = _bCols[i];
            _aRowPointers[_bRows[i] + 1]++;
        }
        for (int r = 0; r < OutFeatures; r++) _aRowPointers[r + 1] += _aRowPointers[r];
    }

    /// <summary>Optimizer state follows B: entries that stay keep their state (momentum of newcomers starts at 0).</summary>
    private sealed class BackwardRemap(int[] sources, int size) : IElementRemap
    {
        private readonly float[] _old = new float[size];

        public void Remap(Span<float> state)
        {
            state.CopyTo(_old);
            for (int i = 0; i < state.Length; i++) state[i] = sources[i] >= 0 ? _old[sources[i]] : 0f;
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
