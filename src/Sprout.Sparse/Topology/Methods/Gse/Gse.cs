// Gse: Guided Stochastic Exploration (Heddes, Srinivasa, Givargis, Nicolau, "Always-Sparse Training by Growing
// Connections with Guided Stochastic Exploration", 2024; arXiv 2401.06898). RigL without the dense gradient: at an
// update, sample a subset S of ⌈γ·nnz⌉ inactive positions (uniform, GraBo or GraEst), compute the gradient only
// at S by SDDMM on the cached batch (O(|S|·batch)), grow the top-k by |∇|, drop the k smallest |θ|. New weights
// and their optimizer state start at 0. Nothing here is ever Rows × Cols: see CandidateSampler for the costs.
// Scope: per layer (default; the supplement's Algorithm 2) or global (the repository: one ranking of |θ| for drops
// and of |∇| at the sampled subsets for growth over all layers, so per-layer densities drift; total nnz is exact).
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>
/// GSE grow/drop criterion: drop score |θ|; grow candidates = a sampled subset S of inactive positions scored by
/// |∂L/∂θ| at S. Defaults follow the reference code: γ = 1, α = 0.2, ΔT = 1000 steps, cosine decay until 60% of
/// training (<see cref="DefaultSchedule"/>), grown weights and momentum = 0.
/// </summary>
/// <remarks>
/// Differences from the reference code, all deliberate (ALGORITHMS.md §1e): gradients are never computed densely;
/// rejected draws are replaced so |S| really is ⌈γ·nnz⌉ (option <see cref="CandidateSampler.RedrawRejected"/>);
/// the subset size counts active entries, not non-zero values; GraEst signs come from the seeded Rng rather than a
/// 4-wise independent hash (the unbiasedness argument only needs E[s_b s_c] = δ_bc, which independent signs give);
/// k = ⌊α_t·nnz⌋ (the shared mechanism's rounding) instead of ⌈α_t·nnz⌉.
/// </remarks>
public sealed class Gse : ITopologyUpdater
{
    /// <summary>Creates GSE with the given candidate distribution and subset factor γ.</summary>
    /// <exception cref="ArgumentOutOfRangeException">γ is not positive.</exception>
    /// <param name="distribution">Candidate distribution: uniform, GraBo or GraEst.</param>
    /// <param name="subsetFactor">γ: each layer samples ⌈γ·nnz⌉ candidates.</param>
    /// <param name="redrawRejected">Replace rejected draws so |S| is exact (see <see cref="CandidateSampler.RedrawRejected"/>).</param>
    /// <param name="scope">Per-layer selection (default) or one global selection over all layers, as in the repository.</param>
    public Gse(CandidateDistribution distribution = CandidateDistribution.Uniform, float subsetFactor = 1f, bool redrawRejected = true,
        TopologyScope scope = TopologyScope.Layer)
    {
        Sampler = new CandidateSampler(distribution, subsetFactor, redrawRejected);
        Scope = scope;
    }

    /// <inheritdoc/>
    public TopologyScope Scope { get; }

    /// <summary>The subset sampler (distribution, γ).</summary>
    public CandidateSampler Sampler { get; }

    /// <inheritdoc/>
    /// <remarks>The candidate gradients by SDDMM at update steps: |S|·batch.</remarks>
    public double ExtraMultiplyAdds(ISparseLayer layer, bool updated) =>
        updated ? (double)Sampler.SubsetSize(layer.Topology.Nnz) * layer.CachedBatch : 0;

    /// <inheritdoc/>
    public string Name => Sampler.Distribution switch
    {
        CandidateDistribution.GraBo => "gse-grabo",
        CandidateDistribution.GraEst => "gse-graest",
        _ => "gse",
    };

    /// <summary>The reference code's schedule: α = 0.2 cosine-decayed, every 1000 steps, until 60% (120 of 200 epochs) of <paramref name="totalSteps"/>.</summary>
    public static UpdateSchedule DefaultSchedule(int totalSteps) =>
        new(every: 1000, endStep: (int)(0.6 * totalSteps), dropFraction: 0.2f, FractionDecay.Cosine);

    /// <inheritdoc/>
    public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores) =>
        TopologyMechanism.MagnitudeScores(layer, scores);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The layer has no cached batch (no forward/backward pass yet).</exception>
    public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates)
    {
        if (layer.CachedBatch == 0)
            throw new InvalidOperationException($"GSE needs the gradient of the last batch, but layer '{layer.LayerName}' has none: call the topology scheduler after a forward and backward pass.");
        int n = Sampler.SampleWithGradients(layer, context.Rng);
        if (n == 0) return;
        int start = candidates.Append(n);
        Sampler.Rows.CopyTo(candidates.Rows[start..]);
        Sampler.Cols.CopyTo(candidates.Cols[start..]);
        System.Numerics.Tensors.TensorPrimitives.Abs(Sampler.Gradients, candidates.Scores[start..]);
    }
}
