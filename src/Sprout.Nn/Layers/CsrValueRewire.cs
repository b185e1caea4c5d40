// CsrValueRewire: the topology-update and checkpoint plumbing every always-sparse layer whose parameter is its CSR
// value array shares (SparseLinear, SparseConv2d): change the topology, let the parameter tensor follow the matrix's
// count and array, remap its gradient and the optimizer's per-entry state.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Rewires a CSR matrix and the [Nnz] parameter that wraps its values, without allocating per change.</summary>
internal sealed class CsrValueRewire : IElementRemap
{
    private TopologyChange? _change;

    /// <summary>Drops and grows entries of <paramref name="topology"/>; <paramref name="values"/>, its gradient and optimizer state follow.</summary>
    public TopologyChange Rewire(CsrMatrix topology, Tensor values, ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols,
        IOptimizerState? optimizer, float growValue)
    {
        var change = topology.ChangeTopology(drop, growRows, growCols, growValue);
        _change = change;
        if (change.OldNnz == change.Nnz)
        {
            if (values.HasGrad) change.Remap(values.Grad);
        }
        else
        {
            // Budget moved between layers: the tensor follows the matrix's new count (and its array, if reallocated);
            // the gradient is remapped at the larger of the two lengths, which the storage always holds.
            Span<int> shape = [change.RemapLength];
            values.Rebind(topology.Values, shape);
            if (values.HasGrad) change.Remap(values.Grad);
            shape[0] = change.Nnz;
            values.Reshape(shape);
        }
        optimizer?.RemapState(values, this);
        return change;
    }

    /// <summary>
    /// Restores a saved structure ("weight.*"; a file without one, written before Sprout stored them, keeps the
    /// seed-built topology) and rebinds the parameter to the file's count, before its values and the optimizer's
    /// per-entry state are read.
    /// </summary>
    public static void Load(CsrMatrix topology, Tensor values, StateDict state)
    {
        if (!state.Contains("weight.indptr")) return;
        var (indptr, indices) = CsrMatrix.ReadStructure(state, "weight", topology.Rows, topology.Cols);
        topology.RestoreStructure(indptr, indices);
        Span<int> shape = [topology.Nnz];
        values.Rebind(topology.Values, shape);
    }

    /// <inheritdoc/>
    public void Remap(Span<float> state) => _change!.Remap(state);

    /// <inheritdoc/>
    public int NewLength(int oldLength) =>
        oldLength == _change!.OldNnz ? _change.Nnz : throw new InvalidOperationException($"Optimizer state of {oldLength} elements does not match the layer's previous Nnz = {_change.OldNnz}.");
}
