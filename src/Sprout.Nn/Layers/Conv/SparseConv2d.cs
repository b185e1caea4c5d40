// SparseConv2d: the always-sparse drop-in for Conv2d. The weight [OutChannels × InChannels·KH·KW] is CSR and only
// its Nnz live values exist (the optimizer's parameter is the value array [Nnz]); forward, input gradient and weight
// gradient run the direct sparse conv kernels (SparseConv2dOp), and gradients at other positions (RigL, GSE, DST-EE
// growth) come from the batch's X and dY, kept in the tape's buffers until ReleaseBatch (no copy), never from a dense
// weight-shaped buffer. Topology updates, checkpoint
// and optimizer-state remapping work as in SparseLinear; the layer's "batch" for the methods is B·OH·OW positions.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>y = W ⊛ x (+ b) with W in CSR over [Cout × Cin·KH·KW], FeatureMajor [C, B, H, W] activations.</summary>
public sealed class SparseConv2d : Module, ISparseLayer, IBatchStatistics, IKeepsBatch, ICheckpointable, ICountsMultiplyAdds, IDescribedLayer
{
    private readonly ConvBatchCache _cache = new();
    private readonly CsrValueRewire _rewire = new();
    private int _height, _width; // of the last input, to read the cache back

    /// <summary>A layer with a uniformly random topology of the given density (nnz = round(density·Cout·Cin·KH·KW)).</summary>
    /// <exception cref="ArgumentException">Invalid shape or density.</exception>
    public SparseConv2d(ConvShape shape, double density, Rng rng, bool bias = false, SparseInitMode init = SparseInitMode.FanInAware,
        ConvInit convInit = ConvInit.HeNormal)
        : this(shape, CsrMatrix.RandomWithDensity(Checked(shape).OutChannels, shape.FanIn,
            density is > 0 and <= 1 ? density : throw new ArgumentOutOfRangeException(nameof(density), density, "Density (the kept fraction) must be in (0, 1]."), rng),
            rng, bias, init, convInit) { }

    /// <summary>
    /// A layer over a given topology [Cout × Cin·KH·KW]; its values are (re)initialized: fan-in-aware is He's init over
    /// each output channel's live fan-in (variance 2/fan-in, as Conv2d's Kaiming init over the dense one); bias 0 as Conv2d.
    /// </summary>
    /// <exception cref="ArgumentException">The topology does not match the shape.</exception>
    public SparseConv2d(ConvShape shape, CsrMatrix topology, Rng rng, bool bias = false, SparseInitMode init = SparseInitMode.FanInAware,
        ConvInit convInit = ConvInit.HeNormal)
    {
        Checked(shape);
        ArgumentNullException.ThrowIfNull(topology);
        if (topology.Rows != shape.OutChannels || topology.Cols != shape.FanIn)
            throw new ArgumentException($"SparseConv2d {shape} needs a topology [{shape.OutChannels} × {shape.FanIn}], got [{topology.Rows} × {topology.Cols}].", nameof(topology));
        (Shape, Topology, InitMode) = (shape, topology, init);
        SparseInit.Fill(topology, topology.Values.AsSpan(0, topology.Nnz), rng, init, gain: init == SparseInitMode.Dense ? 1f : convInit.Gain());
        Values = RegisterParameter("weight", new Tensor(topology.Values, topology.Nnz));
        if (bias) Bias = RegisterParameter("bias", new Tensor(shape.OutChannels));
    }

    /// <summary>Channels, kernel, stride and padding.</summary>
    public ConvShape Shape { get; }

    /// <inheritdoc/>
    public string LayerName { get; set; } = "";

    /// <inheritdoc/>
    public CsrMatrix Topology { get; }

    /// <inheritdoc/>
    public LayerGeometry Geometry => LayerGeometry.Conv2d(Shape);

    /// <summary>The live weights [Nnz], wrapping <see cref="CsrMatrix.Values"/>.</summary>
    public Tensor Values { get; }

    /// <summary>Bias [Cout], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>How the values were initialized.</summary>
    public SparseInitMode InitMode { get; }

    /// <inheritdoc/>
    public Tensor WeightParameter => Values;

    /// <inheritdoc/>
    public bool IsAlwaysSparse => true;

    /// <inheritdoc/>
    /// <remarks>B·OH·OW: the weight is applied once per output position.</remarks>
    public int CachedBatch => _cache.HasGradient ? _cache.Batch * OutputPositions : 0;

    /// <summary>Whether the last batch (X and dY) is kept for gradients at inactive positions and batch statistics (default true).</summary>
    public bool CachesBatch
    {
        get => _cache.Enabled;
        set => _cache.Enabled = value;
    }

    /// <summary>
    /// True skips keeping this step's batch: the training driver sets it on steps whose batch no method reads. Has no
    /// effect while <see cref="CachesBatch"/> is false.
    /// </summary>
    public bool CachePaused
    {
        get => _cache.Paused;
        set => _cache.Paused = value;
    }

    /// <summary>
    /// The batch is kept in the tape's own buffers (X and dY, no copy) from the forward pass until this call, which
    /// hands them back so that the next step reuses them; call it once the step's topology update (if any) is done.
    /// The training driver does so after every step. Gradients at inactive positions are unavailable afterwards.
    /// </summary>
    public void ReleaseBatch() => _cache.Release();

    /// <summary>Floats the layer holds of its own for its batch: 0 unless its input is not a tape intermediate (then a copy of it).</summary>
    public long CachedCopyFloats => _cache.CopiedFloats;

    private int OutputPositions => _height == 0 ? 0 : Shape.Window.OutputHeight(_height) * Shape.Window.OutputWidth(_width);

    /// <inheritdoc/>
    /// <remarks>3·Cout·Cin·KH·KW per output position, times OH·OW of the last input (0 before the first forward pass).</remarks>
    public long DenseMacsPerSample => 3L * Topology.Positions * OutputPositions;

    /// <inheritdoc/>
    /// <remarks>The sparse kernels touch only live weights: 3·Nnz per output position.</remarks>
    public long ExecutedMacsPerSample => 3L * Topology.Nnz * OutputPositions;

    /// <inheritdoc/>
    /// <remarks>Per position (B·OH·OW of them): 3·Cout·Cin·KH·KW dense, 3·Nnz executed.</remarks>
    public LayerDescription Describe() => new("csr", Geometry, Topology.Nnz, 3L * Topology.Positions, 3L * Topology.Nnz);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var y = SparseConv2dOp.Forward(input, Topology, Values, Bias, Shape, _cache);
        (_height, _width) = (input.Dim(2), input.Dim(3));
        return y;
    }

    /// <inheritdoc/>
    public void ReadActiveWeights(Span<float> dst) => Values.Data.CopyTo(dst);

    /// <inheritdoc/>
    public void ReadActiveGradients(Span<float> dst) => Values.Grad.CopyTo(dst);

    /// <inheritdoc/>
    public bool ReadActiveState(IOptimizerState optimizer, string slot, Span<float> dst)
    {
        var state = optimizer.FindState(Values, slot);
        if (state is null) return false;
        state.Data.CopyTo(dst);
        return true;
    }

    /// <inheritdoc/>
    public void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<float> dst)
    {
        RequireCachedGradient();
        SparseConv2dOp.GradientsAt(_cache, Shape, _height, _width, rows, cols, dst);
    }

    /// <inheritdoc/>
    public void DenseGradientRows(int r0, int r1, Span<float> dst)
    {
        RequireCachedGradient();
        SparseConv2dOp.DenseGradientRows(_cache, Shape, _height, _width, r0, r1, dst);
    }

    /// <inheritdoc/>
    /// <remarks>Inputs are the im2col rows (c, kh, kw) summed over the B·OH·OW positions each one meets (padding reads 0).</remarks>
    public void BatchStatistics(ReadOnlySpan<float> signs, Span<float> inputStat, Span<float> outputStat)
    {
        RequireCachedGradient();
        var g = SparseConv2dOp.Geometry(Shape, _cache.Batch, _height, _width);
        ConvBatchStatistics.Compute(_cache.Input((int)g.InputLength), _cache.OutputGradient((int)g.OutputLength), g, signs, inputStat, outputStat);
    }

    /// <inheritdoc/>
    /// <remarks>Always-sparse: newly grown entries had no state, so they start at zero whatever <paramref name="resetGrownState"/> says.</remarks>
    public TopologyChange Rewire(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols,
        IOptimizerState? optimizer, float growValue = 0f, bool resetGrownState = true) =>
        _rewire.Rewire(Topology, Values, drop, growRows, growCols, optimizer, growValue);

    /// <inheritdoc/>
    public void ApplyMask() { }

    /// <inheritdoc/>
    /// <remarks>The structure as "weight.indptr"/"weight.indices"/"weight.shape"; the values are the "weight" parameter.</remarks>
    public void SaveState(StateDict state) => Topology.SaveStructure(state, "weight");

    /// <inheritdoc/>
    public void LoadState(StateDict state) => CsrValueRewire.Load(Topology, Values, state);

    /// <inheritdoc/>
    public override string ToString() => $"SparseConv2d({Shape}, density {Topology.Density:0.####})";

    private void RequireCachedGradient()
    {
        if (!_cache.HasGradient)
            throw new InvalidOperationException(CachesBatch
                ? $"Conv layer '{LayerName}' has no cached batch: run a forward and backward pass before asking for gradients at inactive positions."
                : $"Conv layer '{LayerName}' does not keep its batch (CachesBatch is false), so gradients at inactive positions are not available.");
    }

    private static ConvShape Checked(ConvShape shape)
    {
        shape.Validate();
        return shape;
    }
}
