// MaskedConv2d: a conv whose dense weight [Cout × Cin·KH·KW] is multiplied by a 0/1 mask, the way published
// sparse-training code trains conv nets; the reference SparseConv2d is checked against, and the form for methods
// whose published version needs dense state (sparse momentum, Spartan). The weight, mask, dense gradient, topology
// updates and checkpoint are exactly MaskedLinear's (a conv weight is a matrix too), so the layer holds one and
// runs the conv on it (MaskedConv2dOp, the dense conv kernels); only the forward and the geometry differ.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>y = (W ⊙ M) ⊛ x (+ b) with dense W over FeatureMajor [C, B, H, W] activations. Implements <see cref="ISparseLayer"/>.</summary>
public sealed class MaskedConv2d : Module, ISparseLayer, ICheckpointable, ICountsMultiplyAdds, IDescribedLayer
{
    private readonly MaskedLinear _matrix; // the weight matrix and its mask; not a child module (it never runs its own forward)
    private int _cachedPositions;
    private int _height, _width; // of the last input

    /// <summary>A layer with a uniformly random mask of the given density.</summary>
    /// <exception cref="ArgumentException">Invalid shape or density.</exception>
    public MaskedConv2d(ConvShape shape, double density, Rng rng, bool bias = false, SparseInitMode init = SparseInitMode.FanInAware,
        ConvInit convInit = ConvInit.HeNormal)
        : this(shape, CsrMatrix.RandomWithDensity(Checked(shape).OutChannels, shape.FanIn,
            density is > 0 and <= 1 ? density : throw new ArgumentOutOfRangeException(nameof(density), density, "Density (the kept fraction) must be in (0, 1]."), rng),
            rng, bias, init, convInit) { }

    /// <summary>
    /// A layer whose mask is <paramref name="topology"/> [Cout × Cin·KH·KW]; weights are initialized at the active entries
    /// as SparseConv2d does (He's init over each channel's live fan-in by default), bias 0.
    /// </summary>
    /// <exception cref="ArgumentException">The topology does not match the shape.</exception>
    public MaskedConv2d(ConvShape shape, CsrMatrix topology, Rng rng, bool bias = false, SparseInitMode init = SparseInitMode.FanInAware,
        ConvInit convInit = ConvInit.HeNormal)
    {
        Checked(shape);
        ArgumentNullException.ThrowIfNull(topology);
        if (topology.Rows != shape.OutChannels || topology.Cols != shape.FanIn)
            throw new ArgumentException($"MaskedConv2d {shape} needs a topology [{shape.OutChannels} × {shape.FanIn}], got [{topology.Rows} × {topology.Cols}].", nameof(topology));
        Shape = shape;
        _matrix = new MaskedLinear(topology, rng, bias: false, init, init == SparseInitMode.Dense ? 1f : convInit.Gain());
        RegisterParameter("weight", _matrix.Weight);
        if (bias) Bias = RegisterParameter("bias", new Tensor(shape.OutChannels));
    }

    /// <summary>Channels, kernel, stride and padding.</summary>
    public ConvShape Shape { get; }

    /// <inheritdoc/>
    public string LayerName
    {
        get => _matrix.LayerName;
        set => _matrix.LayerName = value;
    }

    /// <inheritdoc/>
    public CsrMatrix Topology => _matrix.Topology;

    /// <inheritdoc/>
    public LayerGeometry Geometry => LayerGeometry.Conv2d(Shape);

    /// <summary>Dense weight [Cout × Cin·KH·KW]; zero wherever the mask is zero.</summary>
    public Tensor Weight => _matrix.Weight;

    /// <summary>Dense 0/1 mask [Cout × Cin·KH·KW], in sync with <see cref="Topology"/>.</summary>
    public Tensor Mask => _matrix.Mask;

    /// <summary>Bias [Cout], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>When true (default) W's gradient is masked; sparse momentum sets it false (see <see cref="MaskedLinear.MaskGradients"/>).</summary>
    public bool MaskGradients
    {
        get => _matrix.MaskGradients;
        set => _matrix.MaskGradients = value;
    }

    /// <summary>The full dense dL/dW of the last batch [Cout × Cin·KH·KW].</summary>
    public Tensor DenseGradient => _matrix.DenseGradient;

    /// <inheritdoc/>
    public Tensor WeightParameter => Weight;

    /// <inheritdoc/>
    public bool IsAlwaysSparse => false;

    /// <inheritdoc/>
    /// <remarks>B·OH·OW of the last training batch.</remarks>
    public int CachedBatch => _cachedPositions;

    /// <inheritdoc/>
    /// <remarks>3·Cout·Cin·KH·KW per output position, times OH·OW of the last input (0 before the first forward pass).</remarks>
    public long DenseMacsPerSample => _height == 0 ? 0 : 3L * Topology.Positions * Shape.Window.OutputHeight(_height) * Shape.Window.OutputWidth(_width);

    /// <inheritdoc/>
    /// <remarks>The dense conv runs whatever the mask, so the mask saves nothing.</remarks>
    public long ExecutedMacsPerSample => DenseMacsPerSample;

    /// <inheritdoc/>
    /// <remarks>The dense conv runs whatever the mask: executed = dense = 3·Cout·Cin·KH·KW per position.</remarks>
    public LayerDescription Describe() => new("masked", Geometry, Topology.Nnz, 3L * Topology.Positions, 3L * Topology.Positions);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var y = MaskedConv2dOp.Forward(input, Weight, Mask, Bias, Shape, DenseGradient, MaskGradients);
        if (y.RequiresGrad) _cachedPositions = y.Size / Shape.OutChannels;
        (_height, _width) = (input.Dim(2), input.Dim(3));
        return y;
    }

    /// <inheritdoc/>
    public void ReadActiveWeights(Span<float> dst) => _matrix.ReadActiveWeights(dst);

    /// <inheritdoc/>
    public void ReadActiveGradients(Span<float> dst) => _matrix.ReadActiveGradients(dst);

    /// <inheritdoc/>
    public bool ReadActiveState(IOptimizerState optimizer, string slot, Span<float> dst) => _matrix.ReadActiveState(optimizer, slot, dst);

    /// <inheritdoc/>
    public void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<float> dst) => _matrix.GradientsAt(rows, cols, dst);

    /// <inheritdoc/>
    public void DenseGradientRows(int r0, int r1, Span<float> dst) => _matrix.DenseGradientRows(r0, r1, dst);

    /// <inheritdoc/>
    public TopologyChange Rewire(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols,
        IOptimizerState? optimizer, float growValue = 0f, bool resetGrownState = true) =>
        _matrix.Rewire(drop, growRows, growCols, optimizer, growValue, resetGrownState);

    /// <inheritdoc cref="MaskedLinear.SetMask"/>
    public void SetMask(ReadOnlySpan<float> mask) => _matrix.SetMask(mask);

    /// <inheritdoc/>
    public void ApplyMask() => _matrix.ApplyMask();

    /// <inheritdoc/>
    public void SaveState(StateDict state) => _matrix.SaveState(state);

    /// <inheritdoc/>
    public void LoadState(StateDict state) => _matrix.LoadState(state);

    /// <inheritdoc/>
    public override string ToString() => $"MaskedConv2d({Shape}, density {Topology.Density:0.####})";

    private static ConvShape Checked(ConvShape shape)
    {
        shape.Validate();
        return shape;
    }
}
