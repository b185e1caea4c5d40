// ReducedSparseLayer: an ISparseLayer seen through data parallelism. The topology methods ask a layer for
// gradients that the optimizer's all-reduced gradient does not contain (RigL's dense-gradient blocks, the
// sampled-candidate gradients of GSE, DST-EE and sparse momentum, GSE's GraBo/GraEst batch statistics); each rank
// can only compute them on its own shard. This view computes them locally, weights them by the rank's share of
// the batch and sums them over ranks before the method sees them, so every rank scores, and decides, alike.
// CachedBatch reports the global batch, so GraEst draws one sign per global sample from the shared random stream
// and each rank applies the signs of its own slice. Everything else passes straight to the layer, which works for
// any ISparseLayer (linear or convolutional, CSR or masked); the view holds no state of its own.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Training.Distributed;

/// <summary>A sparse layer whose data-dependent gradients and statistics are summed over all ranks.</summary>
public sealed class ReducedSparseLayer : ISparseLayer, IBatchStatistics
{
    private readonly SumReducer _reducer;
    private readonly BatchShare _share;
    private readonly Action? _rewired;

    /// <summary>Wraps <paramref name="layer"/>; <paramref name="rewired"/> is called after every <see cref="Rewire"/>.</summary>
    public ReducedSparseLayer(ISparseLayer layer, SumReducer reducer, BatchShare share, Action? rewired = null)
    {
        Inner = layer ?? throw new ArgumentNullException(nameof(layer));
        _reducer = reducer ?? throw new ArgumentNullException(nameof(reducer));
        _share = share ?? throw new ArgumentNullException(nameof(share));
        _rewired = rewired;
    }

    /// <summary>The rank-local layer.</summary>
    public ISparseLayer Inner { get; }

    /// <inheritdoc/>
    public string LayerName { get => Inner.LayerName; set => Inner.LayerName = value; }

    /// <inheritdoc/>
    public CsrMatrix Topology => Inner.Topology;

    /// <inheritdoc/>
    public LayerGeometry Geometry => Inner.Geometry; // a conv layer must stay a conv behind the wrapper

    /// <inheritdoc/>
    public Tensor WeightParameter => Inner.WeightParameter;

    /// <inheritdoc/>
    public bool IsAlwaysSparse => Inner.IsAlwaysSparse;

    /// <inheritdoc/>
    /// <remarks>The global batch (all ranks' samples) once this rank has cached its slice of it.</remarks>
    public int CachedBatch => Inner.CachedBatch == 0 ? 0 : _share.Global;

    /// <inheritdoc/>
    public void ReadActiveWeights(Span<float> dst) => Inner.ReadActiveWeights(dst);

    /// <inheritdoc/>
    /// <remarks>The weight parameter's gradient, already all-reduced by the gradient slab.</remarks>
    public void ReadActiveGradients(Span<float> dst) => Inner.ReadActiveGradients(dst);

    /// <inheritdoc/>
    public bool ReadActiveState(IOptimizerState optimizer, string slot, Span<float> dst) => Inner.ReadActiveState(optimizer, slot, dst);

    /// <inheritdoc/>
    public void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<float> dst)
    {
        Inner.GradientsAt(rows, cols, dst);
        WeightAndSum(dst[..rows.Length]);
    }

    /// <inheritdoc/>
    public void DenseGradientRows(int r0, int r1, Span<float> dst)
    {
        Inner.DenseGradientRows(r0, r1, dst);
        WeightAndSum(dst[..((r1 - r0) * Inner.Topology.Cols)]);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <paramref name="signs"/> has one sign per global sample; this rank uses its slice. The input statistic is a
    /// plain sum over samples; the output statistic (of the local mean loss's gradient) is weighted by the rank's share.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The wrapped layer has no batch statistics.</exception>
    public void BatchStatistics(ReadOnlySpan<float> signs, Span<float> inputStat, Span<float> outputStat)
    {
        if (Inner is not IBatchStatistics stats)
            throw new InvalidOperationException($"Layer '{LayerName}' ({Inner.GetType().Name}) does not cache its last batch: use SparseLinear, or uniform sampling.");
        var mine = signs.IsEmpty ? signs : signs.Slice(_share.Offset, _share.Local);
        stats.BatchStatistics(mine, inputStat, outputStat);
        _reducer.Sum(inputStat);
        WeightAndSum(outputStat);
    }

    /// <inheritdoc/>
    public TopologyChange Rewire(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols,
        IOptimizerState? optimizer, float growValue = 0f, bool resetGrownState = true)
    {
        var change = Inner.Rewire(drop, growRows, growCols, optimizer, growValue, resetGrownState);
        _rewired?.Invoke();
        return change;
    }

    /// <inheritdoc/>
    public void ApplyMask() => Inner.ApplyMask();

    private void WeightAndSum(Span<float> values)
    {
        float w = _share.Global == 0 ? 1f / _reducer.Communicator.Size : _share.Weight;
        System.Numerics.Tensors.TensorPrimitives.Multiply(values, w, values);
        _reducer.Sum(values);
    }
}
