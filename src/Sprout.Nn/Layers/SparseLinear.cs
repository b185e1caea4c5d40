// SparseLinear: the always-sparse drop-in for Linear. Weights, gradients and optimizer state exist only for the
// Nnz live connections (the optimizer sees the value array as a [Nnz] parameter); no Rows × Cols buffer exists.
// Nnz may change at a topology update (budget moved between layers); the parameter, its gradient and the optimizer
// state then follow the new count.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>y = x·Wᵀ + b with W stored in CSR. Implements <see cref="ISparseLayer"/> for the topology methods.</summary>
public sealed class SparseLinear : Module, ISparseLayer, IBatchStatistics, IKeepsBatch, ICheckpointable, ICountsMultiplyAdds, IDescribedLayer
{
    private readonly SparseBatchCache _cache = new();
    private readonly CsrValueRewire _rewire = new();

    /// <summary>A layer with a uniformly random topology of the given density (nnz = round(density·in·out)).</summary>
    public SparseLinear(int inFeatures, int outFeatures, double density, Rng rng, bool bias = true, SparseInitMode init = SparseInitMode.FanInAware)
        : this(CsrMatrix.RandomWithDensity(outFeatures, inFeatures, CheckDensity(density), rng), rng, bias, init) { }

    /// <summary>A layer over a given topology [out × in]; its values are (re)initialized.</summary>
    public SparseLinear(CsrMatrix topology, Rng rng, bool bias = true, SparseInitMode init = SparseInitMode.FanInAware)
    {
        Topology = topology;
        InitMode = init;
        SparseInit.Fill(topology, topology.Values.AsSpan(0, topology.Nnz), rng, init); // Values is Capacity long once nnz has moved
        Values = RegisterParameter("weight", new Tensor(topology.Values, topology.Nnz));
        if (bias)
        {
            Bias = RegisterParameter("bias", new Tensor(topology.Rows));
            SparseInit.FillBias(topology, Bias.Data, rng, init);
        }
    }

    /// <inheritdoc/>
    public string LayerName { get; set; } = "";

    /// <inheritdoc/>
    public CsrMatrix Topology { get; }

    /// <summary>The weights of the active entries [Nnz], wrapping <see cref="CsrMatrix.Values"/>.</summary>
    public Tensor Values { get; }

    /// <summary>Bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>How the values were initialized.</summary>
    public SparseInitMode InitMode { get; }

    /// <summary>Number of inputs.</summary>
    public int InFeatures => Topology.Cols;

    /// <summary>Number of outputs.</summary>
    public int OutFeatures => Topology.Rows;

    /// <inheritdoc/>
    public Tensor WeightParameter => Values;

    /// <inheritdoc/>
    public bool IsAlwaysSparse => true;

    /// <inheritdoc/>
    public int CachedBatch => _cache.HasGradient ? _cache.Batch : 0;

    /// <inheritdoc/>
    public long DenseMacsPerSample => 3 * Topology.Positions;

    /// <inheritdoc/>
    /// <remarks>The CSR kernels touch only live connections: 3·Nnz.</remarks>
    public long ExecutedMacsPerSample => 3L * Topology.Nnz;

    /// <summary>
    /// Activation layouts and fused ReLU (default: sample-major in and out, no activation). SparseModels sets them so that
    /// consecutive sparse layers stay feature-major; a layer with a feature-major input must follow one with a feature-major output.
    /// </summary>
    public SparseLinearOptions Options { get; set; }

    /// <summary>
    /// Whether the last batch is kept for <see cref="GradientsAt"/>, <see cref="DenseGradientRows"/> and batch statistics
    /// (default true). Turn it off when no topology method reads it, to save up to two [features × batch] buffers per layer.
    /// </summary>
    public bool CachesBatch
    {
        get => _cache.Enabled;
        set => _cache.Enabled = value;
    }

    /// <summary>
    /// True skips keeping this step's feature-major input and output in the tape (batch-major ones are transposed into the
    /// cache anyway): the training driver sets it on steps whose batch no method reads. No effect while <see cref="CachesBatch"/> is false.
    /// </summary>
    public bool CachePaused
    {
        get => _cache.Paused;
        set => _cache.Paused = value;
    }

    /// <summary>
    /// Hands back the tape's buffers that hold this layer's feature-major input and output (kept past the tape's reset
    /// for a topology update) so that the next step reuses them; call it once the step's update (if any) is done. The
    /// training driver does so after every step. Gradients at inactive positions are unavailable afterwards.
    /// </summary>
    public void ReleaseBatch() => _cache.Release();

    /// <summary>Tensors of the tape this layer keeps for its batch (0 after <see cref="ReleaseBatch"/>).</summary>
    public int KeptTensors => _cache.KeptCount;

    /// <inheritdoc/>
    public LayerDescription Describe() => new("csr", LayerGeometry.Linear(OutFeatures, InFeatures), Topology.Nnz, DenseMacsPerSample, ExecutedMacsPerSample);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => SparseLinearOp.Forward(input, Topology, Values, Bias, _cache, Options);

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
        ColumnGradients.GradientsAt(rows, cols, _cache.OutputGradientT(OutFeatures), _cache.InputT(InFeatures), dst, OutFeatures, InFeatures, _cache.Batch);
    }

    /// <inheritdoc/>
    public void BatchStatistics(ReadOnlySpan<float> signs, Span<float> inputStat, Span<float> outputStat)
    {
        RequireCachedGradient();
        if (inputStat.Length != InFeatures || outputStat.Length != OutFeatures)
            throw new ArgumentException($"Statistics need spans of {InFeatures} (inputs) and {OutFeatures} (outputs) elements, got {inputStat.Length} and {outputStat.Length}.");
        ColumnGradients.BatchStatistics(_cache.OutputGradientT(OutFeatures), _cache.InputT(InFeatures), _cache.Batch, signs, inputStat, outputStat);
    }

    /// <inheritdoc/>
    public void DenseGradientRows(int r0, int r1, Span<float> dst)
    {
        RequireCachedGradient();
        ColumnGradients.DenseGradientRows(r0, r1, _cache.OutputGradientT(OutFeatures), _cache.InputT(InFeatures), dst, OutFeatures, InFeatures, _cache.Batch);
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
    /// <remarks>A file without a structure (written before Sprout stored them) keeps the topology rebuilt from the seed.</remarks>
    public void LoadState(StateDict state) => CsrValueRewire.Load(Topology, Values, state);

    /// <inheritdoc/>
    public override string ToString() => $"SparseLinear({InFeatures} → {OutFeatures}, density {Topology.Density:0.####}{(Options.Relu ? ", ReLU" : "")})";

    private void RequireCachedGradient()
    {
        if (!_cache.HasGradient)
            throw new InvalidOperationException(CachesBatch
                ? $"Layer '{LayerName}' has no cached batch: run a forward and backward pass before asking for gradients at inactive positions."
                : $"Layer '{LayerName}' does not keep its batch (CachesBatch is false), so gradients at inactive positions are not available.");
    }

    private static double CheckDensity(double density) =>
        density is > 0 and <= 1 ? density : throw new ArgumentOutOfRangeException(nameof(density), density, "Density (the kept fraction) must be in (0, 1].");
}
