// ISparseLayer: what the topology mechanism and every sparsity method may ask of a layer. Two kinds implement
// it, each for linear and conv layers: SparseLinear/SparseConv2d (always-sparse CSR storage) and
// MaskedLinear/MaskedConv2d (dense weights times a mask, for the methods whose published form needs dense state).
// Methods written against this interface run on all of them, which is how Sprout checks that its always-sparse
// versions behave like the published masked ones.
using Sprout.Core;

namespace Sprout.Sparse;

/// <summary>A weight matrix W [Rows = outputs × Cols = inputs] with a fixed number of active connections.</summary>
public interface ISparseLayer
{
    /// <summary>The layer's path in its model (e.g. "1"), used in tables and logs.</summary>
    string LayerName { get; set; }

    /// <summary>W [Rows × Cols] and how it meets its activations (linear, or a conv applied at B·OH·OW positions). Default: linear over <see cref="Topology"/>.</summary>
    LayerGeometry Geometry => LayerGeometry.Linear(Topology.Rows, Topology.Cols);

    /// <summary>The active set as CSR structure. For SparseLinear its Values are the weights themselves.</summary>
    CsrMatrix Topology { get; }

    /// <summary>The tensor the optimizer updates: the value array [Nnz] (SparseLinear) or the dense weight [Rows × Cols] (MaskedLinear).</summary>
    Tensor WeightParameter { get; }

    /// <summary>True when no dense Rows × Cols buffer exists (weights, gradients or state).</summary>
    bool IsAlwaysSparse { get; }

    /// <summary>Copies the weights of the active entries, in CSR order, into dst [Nnz].</summary>
    void ReadActiveWeights(Span<float> dst);

    /// <summary>Copies dL/dW at the active entries (from the last backward pass), in CSR order, into dst [Nnz].</summary>
    void ReadActiveGradients(Span<float> dst);

    /// <summary>Copies optimizer state of a slot (e.g. "momentum") at the active entries into dst [Nnz]; false if the slot does not exist.</summary>
    bool ReadActiveState(IOptimizerState optimizer, string slot, Span<float> dst);

    /// <summary>
    /// dL/dW at arbitrary positions (rows[i], cols[i]) for the last batch, active or not, into dst.
    /// SparseLinear computes them by SDDMM from the cached batch (O(positions·batch)); MaskedLinear reads its dense gradient.
    /// </summary>
    void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<float> dst);

    /// <summary>
    /// Rows [r0, r1) of the dense gradient dL/dW for the last batch into dst [(r1 − r0) × Cols]: RigL's streaming
    /// dense gradient, O((r1 − r0)·Cols·batch) time and O((r1 − r0)·Cols) memory.
    /// </summary>
    void DenseGradientRows(int r0, int r1, Span<float> dst);

    /// <summary>Columns N of the last batch cached for <see cref="GradientsAt"/> (the batch; B·OH·OW for a conv; 0 before any backward pass).</summary>
    int CachedBatch { get; }

    /// <summary>
    /// Drops the active entries at value indices <paramref name="drop"/>, grows (growRows[i], growCols[i]) with weight
    /// <paramref name="growValue"/>, keeps Nnz, and keeps weights, gradients, the mask and the optimizer's state in sync:
    /// kept entries keep their state; newly grown entries get zero state when <paramref name="resetGrownState"/>
    /// (RigL, GSE) or keep whatever the optimizer tracked (sparse momentum on a masked layer).
    /// A position both dropped and grown in one call stays, with its weight and state (RigL semantics).
    /// </summary>
    TopologyChange Rewire(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols,
        IOptimizerState? optimizer, float growValue = 0f, bool resetGrownState = true);

    /// <summary>Re-imposes the mask on the weights (MaskedLinear zeroes inactive entries; SparseLinear has nothing to do).</summary>
    void ApplyMask();
}
