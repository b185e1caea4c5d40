// StaticSparse: the "static sparse training" baseline (a fixed random, ER or ERK mask trained normally; see the
// RigL paper's Static baseline, Evci et al. 2020). It proposes no growth, so the shared mechanism changes nothing
// even if it is scheduled; drivers should simply not schedule it.
namespace Sprout.Sparse.Topology.Methods;

/// <summary>Static sparse training: the topology never changes.</summary>
public sealed class StaticSparse : ITopologyUpdater
{
    /// <inheritdoc/>
    public string Name => "static";

    /// <inheritdoc/>
    public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores) => scores.Fill(float.MaxValue);

    /// <inheritdoc/>
    /// <remarks>No candidates: the mechanism then drops nothing, so nnz and every weight stay as they are.</remarks>
    public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates) { }
}
