// DenseTopKastReservoir: the published form of Top-KAST's reservoir, θ for every position of the layer. A refresh
// writes B's values back, then selects the top-|B| of |θ| by quickselect (MaskSelection.TopKIndices) into buffers
// allocated once: O(out·in) time and no allocation.
using Sprout.Core;
using Sprout.Sparse.Pruning;

namespace Sprout.Nn;

/// <summary>θ [out × in] held densely.</summary>
internal sealed class DenseTopKastReservoir : TopKastReservoir
{
    private readonly float[] _theta, _magnitudes, _scratch;
    private readonly int[] _picked;

    public DenseTopKastReservoir(long positions, int backwardCount, ulong seed, float bound) : base(positions, seed, bound)
    {
        if (positions > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(positions), positions, "A dense Top-KAST reservoir this large does not fit in one array: use the compact reservoir.");
        _theta = new float[positions];
        _magnitudes = new float[positions];
        _scratch = new float[positions];
        _picked = new int[backwardCount];
        for (int p = 0; p < _theta.Length; p++) _theta[p] = InitialValue(p);
    }

    public override float ValueOutside(long position) => _theta[position];

    public override void Select(ReadOnlySpan<long> oldB, ReadOnlySpan<float> oldValues, Span<long> newB, Span<float> newValues)
    {
        for (int i = 0; i < oldB.Length; i++) _theta[oldB[i]] = oldValues[i];
        System.Numerics.Tensors.TensorPrimitives.Abs(_theta, _magnitudes);
        int k = newB.Length;
        MaskSelection.TopKIndices(_magnitudes, k, _scratch, _picked);
        for (int i = 0; i < k; i++)
        {
            newB[i] = _picked[i];
            newValues[i] = _theta[_picked[i]];
        }
    }

    /// <inheritdoc/>
    /// <remarks>"reservoir.theta" [out·in] (entries in B are stale between refreshes; B's values are the "weight" parameter).</remarks>
    public override void SaveState(StateDict state)
    {
        base.SaveState(state);
        state.Add("theta", _theta);
    }

    /// <inheritdoc/>
    public override void LoadState(StateDict state)
    {
        base.LoadState(state);
        var theta = state.Floats("theta");
        if (theta.Length != _theta.Length) throw new InvalidDataException($"The dense Top-KAST reservoir has {theta.Length} values in the checkpoint but {_theta.Length} here.");
        theta.CopyTo(_theta, 0);
    }
}
