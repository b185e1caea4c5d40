// ITopologyUpdater: what a dynamic sparse training method is, in the rigl style: scores for the active entries
// (which to drop) and scored grow candidates (which to add). Everything else, choosing k, selecting, rewiring,
// keeping nnz exact and remapping optimizer state, is the shared TopologyMechanism's job, so a method never
// touches CSR arrays or optimizers directly.
using Sprout.Core;

namespace Sprout.Sparse.Topology;

/// <summary>A drop/grow criterion (SET, RigL, GSE, DST-EE, …). Implementations cite their paper.</summary>
public interface ITopologyUpdater
{
    /// <summary>Short name used in logs and configs (e.g. "rigl").</summary>
    string Name { get; }

    /// <summary>
    /// Fills <paramref name="scores"/> [Nnz] with a keep-score per active entry, in CSR order: the
    /// <c>k</c> lowest are dropped. The usual criterion is |w| (see <see cref="TopologyMechanism.MagnitudeScores"/>).
    /// </summary>
    void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores);

    /// <summary>
    /// Adds scored grow candidates for <paramref name="layer"/> to <paramref name="candidates"/>; the mechanism grows
    /// the <paramref name="count"/> best. Candidates must be currently inactive or among the entries being dropped
    /// (<see cref="TopologyContext.IsDropped"/>); others are ignored. Fewer than count candidates means fewer drops,
    /// so nnz stays exact.
    /// </summary>
    void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates);

    /// <summary>Initial weight of newly grown connections (0 in RigL, SET-as-in-RigL, GSE).</summary>
    float GrowValue => 0f;

    /// <summary>Whether optimizer state of newly grown connections is reset (true for RigL and GSE, false for sparse momentum).</summary>
    bool ResetGrownState => true;

    /// <summary>
    /// Multiply-adds this method spent on <paramref name="layer"/> beyond the layer's own products in the step just
    /// taken (<paramref name="updated"/>: the topology changed at this step), for FLOP accounting. Default: none.
    /// </summary>
    double ExtraMultiplyAdds(ISparseLayer layer, bool updated) => 0;

    /// <summary>Per-layer (default) or global selection; global needs drop and grow scores comparable across layers.</summary>
    TopologyScope Scope => TopologyScope.Layer;

    /// <summary>
    /// A method that moves budget between layers (sparse momentum's redistribution) fills per-layer drop and grow
    /// counts [layers] here, with equal sums, and returns true; the mechanism then keeps the total nnz exact while
    /// per-layer nnz changes. Default: false (every layer keeps its own budget).
    /// </summary>
    bool PlanLayerBudgets(IReadOnlyList<ISparseLayer> layers, TopologyContext context, Span<int> dropCounts, Span<int> growCounts) => false;

    /// <summary>Called after a layer was rewired (e.g. to update exploration counters). Default: nothing.</summary>
    void AfterRewire(ISparseLayer layer, TopologyChange change, TopologyContext context) { }
}
