// LayerPlan: one layer's share of a topology update while the mechanism plans it: the keep-scores of the active
// entries with the drop list (the lowest, ascending) and the valid grow candidates sorted best-first (the head is
// the grow list). Planning all layers before any is rewired is what lets drop and grow counts differ per layer
// (budget redistribution, global scope) while the total stays exact. Buffers only grow, so they are reused.
namespace Sprout.Sparse.Topology;

/// <summary>Per-layer drop and grow lists of an update in progress (owned and reused by <see cref="TopologyMechanism"/>).</summary>
internal sealed class LayerPlan
{
    public int Nnz;                  // the layer's nnz when planned
    public float[] Scores = [];      // [Nnz] keep-score of each active entry
    public int[] Order = [];         // [≥ DropCount] value indices by ascending keep-score (ties by index), from DropSelection
    public int DropCount;            // the first DropCount of Order are dropped (entries past them are not meaningful)
    public int[] GrowRows = [];      // [valid candidates] best first
    public int[] GrowCols = [];
    public int[] GrowSources = [];   // value index of a candidate that is an entry being dropped (a regrow), else −1
    public float[] GrowScores = [];
    public int Valid;                // valid candidates available
    public int GrowCount;            // the first GrowCount candidates are grown
    public int RequestedGrow;        // what the count policy asked for (GrowCount falls short when candidates run out)
    public int[] Drop = [];          // final drop list, ascending value index (built by Finish)
    private int[] _regrown = [];

    /// <summary>
    /// Cancels <paramref name="n"/> drops (the highest keep-scores among those not regrown), so that the layer keeps
    /// them; used when candidates ran short, so the total nnz stays exact. Returns how many were cancelled.
    /// </summary>
    public int CancelDrops(int n)
    {
        int regrown = SortedRegrown();
        n = Math.Min(n, DropCount - regrown);
        if (n <= 0) return 0;
        // Walk the drop list from its highest score and move each cancelled drop past the end (out of the list);
        // regrown drops must stay (their position is also grown), so they are swapped down instead.
        int cancelled = 0;
        for (int i = DropCount - 1; i >= 0 && cancelled < n; i--)
        {
            if (_regrown.AsSpan(0, regrown).BinarySearch(Order[i]) >= 0) continue;
            (Order[i], Order[DropCount - 1 - cancelled]) = (Order[DropCount - 1 - cancelled], Order[i]);
            cancelled++;
        }
        DropCount -= cancelled;
        return cancelled;
    }

    /// <summary>Builds <see cref="Drop"/> (the drop list in ascending value-index order, as Rewire wants it).</summary>
    public ReadOnlySpan<int> Finish()
    {
        Buffers.Ensure(ref Drop, DropCount);
        var drop = Drop.AsSpan(0, DropCount);
        Order.AsSpan(0, DropCount).CopyTo(drop);
        drop.Sort();
        return drop;
    }

    private int SortedRegrown()
    {
        Buffers.Ensure(ref _regrown, GrowCount);
        int n = 0;
        for (int i = 0; i < GrowCount; i++) if (GrowSources[i] >= 0) _regrown[n++] = GrowSources[i];
        _regrown.AsSpan(0, n).Sort();
        return n;
    }
}
