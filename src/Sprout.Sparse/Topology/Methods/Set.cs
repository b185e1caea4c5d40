// Set: Sparse Evolutionary Training (Mocanu et al., "Scalable training of artificial neural networks with adaptive
// sparse connectivity inspired by network science", Nature Communications 2018), in the form the RigL code uses:
// drop the smallest |w|, grow uniformly at random among positions that are not kept, new weights start at 0.
// Growth samples random (row, col) positions and rejects active ones; it never enumerates the inactive complement,
// so an update costs O(nnz + k) expected time and memory whatever the layer's dense size.
// Not here: SET's original once-per-epoch schedule (that is the UpdateSchedule's job) or the sign split of the
// sparse_learning port.
namespace Sprout.Sparse.Topology.Methods;

/// <summary>
/// SET (Mocanu et al. 2018): drop the k active entries with the smallest |w|, grow k positions drawn uniformly at
/// random among those inactive or being dropped (so a just-dropped position may be redrawn, as in RigL's SET).
/// Paper default ζ = 0.3 (pass it as the schedule's drop fraction).
/// </summary>
public sealed class Set : ITopologyUpdater
{
    private readonly HashSet<long> _drawn = [];

    /// <summary>Creates SET. <paramref name="maxDrawsPerGrowth"/> bounds rejection sampling on nearly dense layers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">maxDrawsPerGrowth &lt; 1.</exception>
    public Set(int maxDrawsPerGrowth = 64)
    {
        if (maxDrawsPerGrowth < 1) throw new ArgumentOutOfRangeException(nameof(maxDrawsPerGrowth), maxDrawsPerGrowth, "At least one draw per grown connection is needed.");
        MaxDrawsPerGrowth = maxDrawsPerGrowth;
    }

    /// <summary>Rejection-sampling budget: at most this many random draws per position to grow.</summary>
    public int MaxDrawsPerGrowth { get; }

    /// <inheritdoc/>
    public string Name => "set";

    /// <inheritdoc/>
    public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores) => TopologyMechanism.MagnitudeScores(layer, scores);

    /// <inheritdoc/>
    /// <remarks>
    /// Draws positions uniformly from the whole Rows×Cols grid and keeps the first <paramref name="count"/> distinct
    /// ones that are inactive or being dropped. Every position has the same chance, so the result is a uniform
    /// sample of the valid set. Expected draws are count·Positions/(Positions − Nnz + count).
    /// </remarks>
    public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates)
    {
        var topo = layer.Topology;
        _drawn.Clear();
        candidates.Reserve(count);
        long positions = topo.Positions;
        long budget = (long)count * MaxDrawsPerGrowth;
        int found = 0;
        for (long draw = 0; draw < budget && found < count; draw++)
        {
            long key = context.Rng.NextLong(positions);
            int row = (int)(key / topo.Cols), col = (int)(key % topo.Cols);
            int p = topo.IndexOf(row, col);
            if (p >= 0 && !context.IsDropped(p)) continue;
            if (!_drawn.Add(key)) continue;
            candidates.Add(row, col, 1f);
            found++;
        }
    }
}
