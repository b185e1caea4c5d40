// TopKastLinear's checkpoint state. B is a CSR structure whose values are the "weight" parameter
// ("weight.indptr"/"weight.indices"/"weight.shape"), A ⊆ B another ("forward.*"), and the reservoir θ outside B
// under "reservoir.*" (dense θ, or the compact reservoir's leavers and never-touched list). The optimizer's state
// per entry of B is "optimizer.<path>.weight.<slot>".
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

public sealed partial class TopKastLinear : ICheckpointable
{
    /// <inheritdoc/>
    public void SaveState(StateDict state)
    {
        SaveStructure(state, "weight", BackwardCount, i => i);
        SaveStructure(state, "forward", ForwardCount, j => _aToB[j]);
        var reservoir = state.Scope("reservoir");
        reservoir.AddScalar("compact", ReservoirKind == TopKastReservoirKind.Compact ? 1 : 0);
        _reservoir.SaveState(reservoir);
    }

    /// <inheritdoc/>
    public void LoadState(StateDict state)
    {
        var reservoir = state.Scope("reservoir");
        bool compact = reservoir.Scalar("compact") != 0;
        if (compact != (ReservoirKind == TopKastReservoirKind.Compact))
            throw new InvalidDataException($"The checkpoint's Top-KAST layer has a {(compact ? "compact" : "dense")} reservoir; resume with --topkast-reservoir {(compact ? "compact" : "dense")}.");
        var (bPtr, bCols) = CsrMatrix.ReadStructure(state, "weight", OutFeatures, InFeatures);
        var (aPtr, aCols) = CsrMatrix.ReadStructure(state, "forward", OutFeatures, InFeatures);
        if (bCols.Length != BackwardCount || aCols.Length != ForwardCount)
            throw new InvalidDataException($"The checkpoint's Top-KAST sets have |B| = {bCols.Length}, |A| = {aCols.Length}; this layer has {BackwardCount} and {ForwardCount} (check --density and --topkast-backward).");
        for (int r = 0, i = 0; r < OutFeatures; r++)
            for (int p = bPtr[r]; p < bPtr[r + 1]; p++, i++)
                (_bRows[i], _bCols[i], _bPositions[i]) = (r, bCols[p], (long)r * InFeatures + bCols[p]);
        // A as indices into B (both row-major), rejecting an A that is not inside B.
        for (int r = 0, j = 0; r < OutFeatures; r++)
            for (int p = aPtr[r]; p < aPtr[r + 1]; p++, j++)
            {
                int i = _bPositions.AsSpan().BinarySearch((long)r * InFeatures + aCols[p]);
                if (i < 0) throw new InvalidDataException($"The checkpoint's Top-KAST forward set has ({r}, {aCols[p]}), which is not in its backward set.");
                _aToB[j] = i;
            }
        MarkForwardSet();
        _forward.RestoreStructure(_aRowPointers, _aColumns);
        _reservoir.LoadState(reservoir);
    }

    private void SaveStructure(StateDict state, string name, int count, Func<int, int> toB)
    {
        var indptr = new int[OutFeatures + 1];
        var indices = new int[count];
        for (int j = 0; j < count; j++)
        {
            int i = toB(j);
            indices[j] = _bCols[i];
            indptr[_bRows[i] + 1]++;
        }
        for (int r = 0; r < OutFeatures; r++) indptr[r + 1] += indptr[r];
        state.Add(name + ".indptr", indptr);
        state.Add(name + ".indices", indices);
        ReadOnlySpan<long> shape = [OutFeatures, InFeatures];
        state.Add(name + ".shape", shape);
    }
}
