// TopKastConv2d: an always-sparse convolution trained by Top-KAST (Jayakumar et al. 2020; ALGORITHMS.md §4a). θ, its
// sets and its reservoir are a TopKastLinear's over the matrix [Cout × Cin·KH·KW] (set selection, refresh, optimizer
// remapping, checkpoint, dense or compact reservoir: all shared); only the products differ. The forward pass runs
// the direct sparse conv kernels on A = top-D (O(|A|·B·OH·OW)), the input gradient on A, and the weight gradient is
// computed only at B = top-(D+M) from X and dY (SparseConv.GradientsAt, O(|B|·B·OH·OW)), plus the exploration
// regularizer on B. The optimizer's parameter is θ on B [|B|]; no Cout × Cin·KH·KW buffer exists with the compact
// reservoir. MaskedTopKastConv2d is the masked (dense) form of the same method.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>y = (θ ⊙ 1_A) ⊛ x (+ b) with Top-KAST's forward set A and backward set B, always-sparse.</summary>
public sealed class TopKastConv2d : Module, ITopKastLayer, ICountsMultiplyAdds, IDescribedLayer, ICheckpointable
{
    private readonly TopKastLinear _sets; // θ on B, A ⊂ B, the reservoir; never run as a module
    private int _height, _width;

    /// <summary>Creates the layer with θ ~ U(±√(6/(Cin·KH·KW))) (He's variance over the dense fan-in), bias 0.</summary>
    /// <param name="shape">The convolution.</param>
    /// <param name="forwardDensity">D: fraction of weights in the forward pass.</param>
    /// <param name="backwardExtra">M: extra fraction receiving gradients (B has D + M).</param>
    /// <param name="rng">Initialization stream.</param>
    /// <param name="regularization">λ of the exploration regularizer.</param>
    /// <param name="refreshEvery">Steps between set refreshes.</param>
    /// <param name="squaredPenalty">Squared L2 (default) or absolute penalty.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="reservoir">Dense θ as published (default), or the compact reservoir.</param>
    /// <param name="init">The weights' scale: θ ~ U(±gain·√(3/fan_in)) with the scheme's Kaiming gain.</param>
    /// <exception cref="ArgumentOutOfRangeException">D ∉ (0, 1], M &lt; 0, D + M &gt; 1, λ &lt; 0, or refreshEvery ≤ 0.</exception>
    public TopKastConv2d(ConvShape shape, double forwardDensity, double backwardExtra, Rng rng, float regularization = 1e-4f,
        int refreshEvery = 100, bool squaredPenalty = true, bool bias = false, TopKastReservoirKind reservoir = TopKastReservoirKind.Dense,
        ConvInit init = ConvInit.HeNormal)
    {
        shape.Validate();
        Shape = shape;
        _sets = new TopKastLinear(shape.FanIn, shape.OutChannels, forwardDensity, backwardExtra, rng, regularization, refreshEvery,
            squaredPenalty, bias: false, reservoir, init.Gain() * MathF.Sqrt(3f / shape.FanIn));
        RegisterParameter("weight", _sets.BackwardValues);
        if (bias) Bias = RegisterParameter("bias", new Tensor(shape.OutChannels));
    }

    /// <summary>Channels, kernel, stride and padding.</summary>
    public ConvShape Shape { get; }

    /// <summary>θ on B in row-major position order [|B|]: the optimizer's parameter.</summary>
    public Tensor BackwardValues => _sets.BackwardValues;

    /// <summary>Bias [Cout], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>D.</summary>
    public double ForwardDensity => _sets.ForwardDensity;

    /// <inheritdoc/>
    public int ForwardCount => _sets.ForwardCount;

    /// <inheritdoc/>
    public int BackwardCount => _sets.BackwardCount;

    /// <summary>The forward set A as CSR over [Cout × Cin·KH·KW] (values = θ on A at the last forward).</summary>
    public CsrMatrix ForwardSet => _sets.ForwardSet;

    /// <summary>Row-major position (co·Cin·KH·KW + column) of B's entry i.</summary>
    public long BackwardPosition(int i) => _sets.BackwardPosition(i);

    /// <summary>True when B's entry i is also in A.</summary>
    public bool InForwardSet(int i) => _sets.InForwardSet(i);

    /// <summary>θ at a row-major position: the optimizer's copy inside B, the reservoir's value outside.</summary>
    public float ValueAt(long position) => _sets.ValueAt(position);

    private long OutputPositions => _height == 0 ? 0 : (long)Shape.Window.OutputHeight(_height) * Shape.Window.OutputWidth(_width);

    /// <inheritdoc/>
    public long DenseMacsPerSample => 3L * Shape.OutChannels * Shape.FanIn * OutputPositions;

    /// <inheritdoc/>
    /// <remarks>|A| forward, |A| for the input gradient and |B| for the weight gradient, per output position.</remarks>
    public long ExecutedMacsPerSample => (2L * ForwardCount + BackwardCount) * OutputPositions;

    /// <inheritdoc/>
    /// <remarks>Nnz is the forward set |A|.</remarks>
    public LayerDescription Describe() =>
        new("topkast", LayerGeometry.Conv2d(Shape), ForwardCount, 3L * Shape.OutChannels * Shape.FanIn, 2L * ForwardCount + BackwardCount);

    /// <inheritdoc/>
    public bool Step(int step, IOptimizerState? optimizer) => _sets.Step(step, optimizer);

    /// <inheritdoc/>
    /// <remarks>The sets and reservoir as TopKastLinear stores them ("weight.*" = B, "forward.*" = A, "reservoir.*").</remarks>
    public void SaveState(StateDict state) => _sets.SaveState(state);

    /// <inheritdoc/>
    public void LoadState(StateDict state) => _sets.LoadState(state);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        if (input.Rank != 4 || input.Dim(0) != Shape.InChannels || input.Layout != Layout.FeatureMajor)
            throw new ArgumentException($"TopKastConv2d {Shape} expects a feature-major input [{Shape.InChannels}, B, H, W], got {input} ({input.Layout}); reorder it first.", nameof(input));
        var g = SparseConv2dOp.Geometry(Shape, input.Dim(1), input.Dim(2), input.Dim(3));
        g.Validate();
        _sets.SyncForwardValues();
        var f = _sets.ForwardSet;
        Span<int> shape = [g.OutChannels, g.Batch, g.OutputHeight, g.OutputWidth];
        var y = Tape.NewOutput(shape);
        y.Layout = Layout.FeatureMajor;
        SparseConv.Forward(f.RowPointers, f.ColumnIndices, f.Values, input.Data, y.Data, g, accumulate: false);
        if (Bias is not null) FeatureBias.Forward(y.Data, Bias.Data, g.OutChannels, g.Positions, relu: false);
        (_height, _width) = (input.Dim(2), input.Dim(3));
        if (Tape.GradEnabled)
        {
            var node = Node.Record(Tape.Current!);
            (node.Layer, node.X, node.Y, node.G) = (this, input, y, g);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <inheritdoc/>
    public override string ToString() => $"TopKastConv2d({Shape}, D {ForwardDensity:0.####}, |A| {ForwardCount}, |B| {BackwardCount})";

    private sealed class Node : Node<Node>
    {
        public TopKastConv2d Layer = null!;
        public Tensor X = null!, Y = null!;
        public SparseConvGeometry G;

        public override void Backward()
        {
            var l = Layer;
            var sets = l._sets;
            ReadOnlySpan<float> dy = Y.Grad;
            if (l.Bias is { RequiresGrad: true })
            {
                var db = l.Bias.Grad;
                for (int o = 0; o < G.OutChannels; o++) db[o] += TensorPrimitives.Sum(dy.Slice(o * G.Positions, G.Positions));
            }
            var values = sets.BackwardValues;
            if (values.RequiresGrad)
            {
                // The loss gradient w.r.t. the forward weights, evaluated only at B's positions.
                SparseConv.GradientsAt(sets.BackwardRows, sets.BackwardCols, X.Data, dy, values.Grad, G, accumulate: true);
                float lambda = sets.Regularization, lambdaOut = (float)(lambda / sets.ForwardDensity);
                var theta = values.Data;
                var grad = values.Grad;
                for (int i = 0; i < theta.Length; i++)
                {
                    float scale = sets.InForwardSet(i) ? lambda : lambdaOut;
                    grad[i] += sets.SquaredPenalty ? 2f * scale * theta[i] : scale * MathF.Sign(theta[i]);
                }
            }
            if (X.RequiresGrad)
            {
                var f = sets.ForwardSet;
                var dx = X.GradForWrite(out bool overwrite);
                SparseConv.InputGradient(f.ColumnPointers, f.RowIndices, f.TransposePermutation, f.Values, dy, dx, G, accumulate: !overwrite);
            }
        }

        protected override void Clear() => (Layer, X, Y) = (null!, null!, null!);
    }
}
