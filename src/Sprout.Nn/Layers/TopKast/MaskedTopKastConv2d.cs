// MaskedTopKastConv2d: a convolution trained by Top-KAST (Jayakumar et al. 2020; ALGORITHMS.md §4a) in the MASKED form
// (TopKastConv2d is the always-sparse one; this is the published research-code form and a reference for it):
// θ [Cout × Cin·KH·KW] is a dense parameter, the forward pass runs the dense conv kernels on θ ⊙ 1_A (A = top-D by
// |θ|), the backward pass forms the dense dL/dW and passes it to θ only on B = top-(D+M) ⊇ A, plus the exploration
// regularizer λ·[Σ_A θ² + (1/D)·Σ_{B\A} θ²] (its gradient also only on B). Outside B, θ gets no gradient and its
// optimizer state is zeroed when it leaves B, so with weight decay 0 (as Top-KAST requires) the reservoir is never
// updated. Same set semantics as TopKastLinear, but NOT always-sparse: compute and memory are dense (executed MACs =
// dense MACs), as published research code trains Top-KAST conv nets. Sets refresh every RefreshEvery steps.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;

namespace Sprout.Nn;

/// <summary>y = (θ ⊙ 1_A) ⊛ x (+ b) with Top-KAST's forward set A and backward set B, on dense state.</summary>
public sealed class MaskedTopKastConv2d : Module, ITopKastLayer, ICountsMultiplyAdds, IDescribedLayer, ICheckpointable
{
    private readonly Tensor _forwardWeight, _backwardMask, _denseGradient;
    private readonly bool[] _inA;
    private readonly float[] _magnitudes, _scratch, _bMagnitudes;
    private readonly int[] _b, _a;
    private readonly LeaverReset _leavers;
    private int _height, _width;

    /// <summary>Creates the layer with θ ~ He normal over the dense fan-in (as Conv2d), bias 0.</summary>
    /// <param name="shape">The convolution.</param>
    /// <param name="forwardDensity">D: fraction of weights in the forward pass.</param>
    /// <param name="backwardExtra">M: extra fraction receiving gradients (B has D + M).</param>
    /// <param name="rng">Initialization stream.</param>
    /// <param name="regularization">λ of the exploration regularizer.</param>
    /// <param name="refreshEvery">Steps between set refreshes.</param>
    /// <param name="squaredPenalty">Squared L2 (default) or absolute penalty.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="init">The dense weight's initialization scheme.</param>
    /// <exception cref="ArgumentOutOfRangeException">D ∉ (0, 1], M &lt; 0, D + M &gt; 1, λ &lt; 0, or refreshEvery ≤ 0.</exception>
    public MaskedTopKastConv2d(ConvShape shape, double forwardDensity, double backwardExtra, Rng rng, float regularization = 1e-4f,
        int refreshEvery = 100, bool squaredPenalty = true, bool bias = false, ConvInit init = ConvInit.HeNormal)
    {
        shape.Validate();
        int n = shape.OutChannels * shape.FanIn;
        (ForwardCount, BackwardCount) = TopKastSetSizes.Of(n, forwardDensity, backwardExtra, regularization, refreshEvery);
        (Shape, ForwardDensity, BackwardExtra, Regularization, RefreshEvery, SquaredPenalty) =
            (shape, forwardDensity, backwardExtra, regularization, refreshEvery, squaredPenalty);
        Weight = RegisterParameter("weight", new Tensor(shape.OutChannels, shape.FanIn));
        init.Fill(Weight, rng);
        if (bias) Bias = RegisterParameter("bias", new Tensor(shape.OutChannels));
        (_forwardWeight, _backwardMask, _denseGradient) = (new Tensor(shape.OutChannels, shape.FanIn), new Tensor(shape.OutChannels, shape.FanIn), new Tensor(shape.OutChannels, shape.FanIn));
        (_inA, _magnitudes, _scratch) = (new bool[n], new float[n], new float[n]);
        (_b, _a, _bMagnitudes) = (new int[BackwardCount], new int[ForwardCount], new float[BackwardCount]);
        _leavers = new LeaverReset(_backwardMask);
        SelectSets();
    }

    /// <summary>Channels, kernel, stride and padding.</summary>
    public ConvShape Shape { get; }

    /// <summary>θ [Cout × Cin·KH·KW], dense: the optimizer's parameter (it only ever receives gradients on B).</summary>
    public Tensor Weight { get; }

    /// <summary>Bias [Cout], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>D.</summary>
    public double ForwardDensity { get; }

    /// <summary>M.</summary>
    public double BackwardExtra { get; }

    /// <inheritdoc/>
    public int ForwardCount { get; }

    /// <inheritdoc/>
    public int BackwardCount { get; }

    /// <summary>λ.</summary>
    public float Regularization { get; }

    /// <summary>N: steps between set refreshes.</summary>
    public int RefreshEvery { get; }

    /// <summary>True: λ·θ² penalties; false: λ·|θ|.</summary>
    public bool SquaredPenalty { get; }

    /// <summary>True when row-major position <paramref name="position"/> is in the forward set A.</summary>
    public bool InForwardSet(int position) => _inA[position];

    /// <summary>True when row-major position <paramref name="position"/> is in the backward set B.</summary>
    public bool InBackwardSet(int position) => _backwardMask.Data[position] != 0f;

    /// <inheritdoc/>
    /// <remarks>Masked form: the dense conv runs whatever A is, 3·Cout·Cin·KH·KW per output position.</remarks>
    public long DenseMacsPerSample => _height == 0 ? 0 : 3L * Weight.Size * Shape.Window.OutputHeight(_height) * Shape.Window.OutputWidth(_width);

    /// <inheritdoc/>
    public long ExecutedMacsPerSample => DenseMacsPerSample;

    /// <inheritdoc/>
    /// <remarks>Nnz is the forward set |A|; executed = dense (masked form).</remarks>
    public LayerDescription Describe() => new("topkast", LayerGeometry.Conv2d(Shape), ForwardCount, 3L * Weight.Size, 3L * Weight.Size);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var theta = Weight.Data;
        var fw = _forwardWeight.Data;
        for (int i = 0; i < theta.Length; i++) fw[i] = _inA[i] ? theta[i] : 0f;
        var y = MaskedConv2dOp.Forward(input, _forwardWeight, _backwardMask, Bias, Shape, _denseGradient, maskGradient: true, gradientTarget: Weight);
        (_height, _width) = (input.Dim(2), input.Dim(3));
        if (Tape.GradEnabled && Weight.RequiresGrad && Regularization > 0)
        {
            var node = RegularizerNode.Record(Tape.Current!);
            node.Layer = this;
        }
        return y;
    }

    /// <inheritdoc/>
    public bool Step(int step, IOptimizerState? optimizer)
    {
        if (step % RefreshEvery != 0) return false;
        SelectSets();
        if (optimizer is not null) optimizer.RemapState(Weight, _leavers);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>The sets as row-major positions ("backward.positions", "forward.positions"); θ is the "weight" parameter.</remarks>
    public void SaveState(StateDict state)
    {
        state.Add("backward.positions", _b);
        state.Add("forward.positions", _a);
    }

    /// <inheritdoc/>
    public void LoadState(StateDict state)
    {
        var b = state.Ints("backward.positions");
        var a = state.Ints("forward.positions");
        if (b.Length != BackwardCount || a.Length != ForwardCount)
            throw new InvalidDataException($"The checkpoint's Top-KAST conv sets have |B| = {b.Length}, |A| = {a.Length}; this layer has {BackwardCount} and {ForwardCount} (check --density and --topkast-backward).");
        b.CopyTo(_b, 0);
        a.CopyTo(_a, 0);
        MarkSets();
    }

    /// <inheritdoc/>
    public override string ToString() => $"MaskedTopKastConv2d({Shape}, D {ForwardDensity:0.####}, M {BackwardExtra:0.####}, masked)";

    /// <summary>B = top-|B| of |θ|, A = top-|A| of |θ| within B (ties to the lower position), then the masks.</summary>
    private void SelectSets()
    {
        TensorPrimitives.Abs(Weight.Data, _magnitudes);
        MaskSelection.TopKIndices(_magnitudes, BackwardCount, _scratch, _b);
        for (int i = 0; i < BackwardCount; i++) _bMagnitudes[i] = _magnitudes[_b[i]];
        MaskSelection.TopKIndices(_bMagnitudes, ForwardCount, _scratch.AsSpan(0, BackwardCount), _a);
        for (int j = 0; j < ForwardCount; j++) _a[j] = _b[_a[j]];
        MarkSets();
    }

    private void MarkSets()
    {
        Array.Clear(_inA);
        _backwardMask.Data.Clear();
        foreach (int p in _b) _backwardMask.Data[p] = 1f;
        foreach (int p in _a)
        {
            if (_backwardMask.Data[p] == 0f) throw new InvalidDataException($"Top-KAST's forward set has position {p}, which is not in its backward set.");
            _inA[p] = true;
        }
    }

    /// <summary>Zeroes the optimizer state of positions not in the new B (entries that leave B drop their state).</summary>
    private sealed class LeaverReset(Tensor backwardMask) : IElementRemap
    {
        public void Remap(Span<float> state) => TensorPrimitives.Multiply(state, backwardMask.Data, state);
    }

    /// <summary>Adds the exploration regularizer's gradient on B: λ on A, λ/D on B \ A.</summary>
    private sealed class RegularizerNode : Node<RegularizerNode>
    {
        public MaskedTopKastConv2d Layer = null!;

        public override void Backward()
        {
            var l = Layer;
            float lambda = l.Regularization, lambdaOut = (float)(lambda / l.ForwardDensity);
            var theta = l.Weight.Data;
            var grad = l.Weight.Grad;
            foreach (int i in l._b)
            {
                float scale = l._inA[i] ? lambda : lambdaOut;
                grad[i] += l.SquaredPenalty ? 2f * scale * theta[i] : scale * MathF.Sign(theta[i]);
            }
        }

        protected override void Clear() => Layer = null!;
    }
}
