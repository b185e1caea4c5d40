// TopologyChange: what one structural change of a CsrMatrix did to its value indices, so that every array of
// per-nonzero state (SGD momentum, Adam m and v, EMA gradients) can follow its weight with one Remap call.
// It is the only thing the shared drop/grow mechanism hands to optimizers; updaters never see optimizers.
// Deliberately not a per-change allocation: each matrix owns one instance and overwrites it on its next change
// (see Version), so remap all state before changing the topology again.
namespace Sprout.Sparse;

/// <summary>
/// The old→new index map of one <see cref="CsrMatrix"/> topology change: for each new value index i,
/// <see cref="Sources"/>[i] is the value index it had before the change, or −1 if the entry was newly grown.
/// </summary>
public sealed class TopologyChange
{
    private int[] _sources = [];
    private int[] _grown = [];

    internal TopologyChange() { }

    /// <summary>Number of entries of the matrix after the change.</summary>
    public int Nnz { get; private set; }

    /// <summary>Number of entries before the change (differs from <see cref="Nnz"/> when budget moved between layers).</summary>
    public int OldNnz { get; private set; }

    /// <summary>Length a state span handed to <see cref="Remap(Span{float}, float)"/> must have: max(OldNnz, Nnz).</summary>
    public int RemapLength => Math.Max(OldNnz, Nnz);

    /// <summary>The matrix <see cref="CsrMatrix.Version"/> this change produced.</summary>
    public int Version { get; internal set; }

    /// <summary>[Nnz] old value index of each new value index, or −1 for a newly grown entry. Kept entries stay in increasing order.</summary>
    public ReadOnlySpan<int> Sources => _sources.AsSpan(0, Nnz);

    /// <summary>Number of newly grown entries (equal to the number of entries actually removed when Nnz is unchanged).</summary>
    public int GrownCount { get; internal set; }

    /// <summary>Entries that were both dropped and grown in this change: they stay, with their value and state.</summary>
    public int RegrownCount { get; internal set; }

    /// <summary>[GrownCount] new value indices of the newly grown entries, ascending.</summary>
    public ReadOnlySpan<int> GrownIndices => _grown.AsSpan(0, GrownCount);

    /// <summary>Installs a new map by swapping buffers with the matrix's scratch (no copy, no allocation).</summary>
    internal void Commit(ref int[] sources, ref int[] grown, int oldNnz, int nnz, int grownCount, int regrownCount, int version)
    {
        OldNnz = oldNnz;
        Nnz = nnz;
        (_sources, sources) = (sources, _sources);
        (_grown, grown) = (grown, _grown);
        GrownCount = grownCount;
        RegrownCount = regrownCount;
        Version = version;
    }

    /// <summary>Remaps per-nonzero state in place: state'[i] = state[Sources[i]], and 0 for grown entries.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> does not have exactly <see cref="RemapLength"/> elements.</exception>
    public void Remap(Span<float> state) => Remap(state, 0f);

    /// <summary>
    /// Remaps per-nonzero state in place: state'[i] = state[Sources[i]], and <paramref name="grownValue"/> for grown
    /// entries. <paramref name="state"/> has <see cref="RemapLength"/> elements: the old state in its first OldNnz, the
    /// new state in its first Nnz on return (equal lengths unless nnz changed). O(nnz), no scratch: kept entries keep
    /// their relative order, so entries moving to lower indices can be copied ascending and entries moving to higher
    /// indices descending without overwriting an unread source.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> does not have exactly <see cref="RemapLength"/> elements.</exception>
    public void Remap(Span<float> state, float grownValue)
    {
        if (state.Length != RemapLength)
            throw new ArgumentException(OldNnz == Nnz
                ? $"state has {state.Length} elements but the matrix has Nnz = {Nnz}; it must be aligned with the values."
                : $"state has {state.Length} elements but this change took Nnz from {OldNnz} to {Nnz}; pass max of the two (RemapLength), old state first.", nameof(state));
        var src = Sources;
        for (int i = 0; i < src.Length; i++)
        {
            int s = src[i];
            if (s > i) state[i] = state[s];
        }
        for (int i = src.Length - 1; i >= 0; i--)
        {
            int s = src[i];
            if (s >= 0 && s < i) state[i] = state[s];
        }
        foreach (int g in GrownIndices) state[g] = grownValue;
    }
}
