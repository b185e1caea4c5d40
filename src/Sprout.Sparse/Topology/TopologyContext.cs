// TopologyContext: what a method may know at an update: the step, the drop fraction in force, a seeded random
// stream, the optimizer's state (for momentum-based criteria), and which entries are about to be dropped.
using Sprout.Core;

namespace Sprout.Sparse.Topology;

/// <summary>Per-update information handed to <see cref="ITopologyUpdater"/>.</summary>
public sealed class TopologyContext
{
    private int[] _dropStamp = [];
    private int _stamp;

    /// <summary>
    /// Creates a context whose random stream is derived from <paramref name="seed"/>. Direct callers of
    /// <see cref="TopologyMechanism"/> pass the <paramref name="optimizer"/> so that its state follows the rewiring.
    /// </summary>
    public TopologyContext(ulong seed, IOptimizerState? optimizer = null)
    {
        Rng = Rng.Derive(seed, "topology");
        Optimizer = optimizer;
    }

    /// <summary>The optimizer step at which this update happens.</summary>
    public int Step { get; internal set; }

    /// <summary>Number of updates before this one.</summary>
    public int UpdateIndex { get; internal set; }

    /// <summary>Fraction of each layer's active entries replaced at this update.</summary>
    public float DropFraction { get; internal set; }

    /// <summary>Seeded random stream (same seed → same topology).</summary>
    public Rng Rng { get; }

    /// <summary>The optimizer, if the scheduler was given one (momentum-based methods read its state).</summary>
    public IOptimizerState? Optimizer { get; internal set; }

    /// <summary>True if active entry <paramref name="valueIndex"/> of the layer being updated is in its drop set.</summary>
    public bool IsDropped(int valueIndex) => (uint)valueIndex < (uint)_dropStamp.Length && _dropStamp[valueIndex] == _stamp;

    /// <summary>
    /// Writes the columns of <paramref name="row"/> that may be grown, inactive or active and being dropped, in
    /// ascending order into <paramref name="columns"/> (at least Cols long); returns how many. O(Cols): for methods
    /// that scan dense rows (RigL's streamed gradient, published sparse momentum).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="columns"/> is shorter than the layer's Cols.</exception>
    public int GrowableColumns(CsrMatrix topology, int row, Span<int> columns)
    {
        ArgumentNullException.ThrowIfNull(topology);
        int cols = topology.Cols;
        if (columns.Length < cols) throw new ArgumentException($"columns holds {columns.Length} entries; a row of this layer needs {cols}.", nameof(columns));
        var ci = topology.ColumnIndices;
        int p = topology.RowPointers[row], end = topology.RowPointers[row + 1], n = 0;
        for (int c = 0; c < cols; c++)
        {
            // Merge with the row's sorted active columns: skip kept entries, allow dropped ones.
            while (p < end && ci[p] < c) p++;
            if (p < end && ci[p] == c && !IsDropped(p)) continue;
            columns[n++] = c;
        }
        return n;
    }

    internal void MarkDrops(ReadOnlySpan<int> drop, int nnz)
    {
        Buffers.Ensure(ref _dropStamp, nnz); // a new array is zeroed, so it holds no stale stamp
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_dropStamp);
            _stamp = 1;
        }
        foreach (int p in drop) _dropStamp[p] = _stamp;
    }
}
