// PruningCriterion: the pruning-at-initialisation rules PruneAtInit knows.
namespace Sprout.Training.Sparsity;

/// <summary>How a static mask is chosen at initialisation.</summary>
public enum PruningCriterion
{
    /// <summary>Uniformly random positions, per layer at the allocated density (static sparse training).</summary>
    Random,

    /// <summary>Largest |θ| of the initial weights, per layer at the allocated density (one-shot magnitude).</summary>
    Magnitude,

    /// <summary>SNIP (Lee et al. 2019): global top-k of |g ⊙ θ| on one data batch.</summary>
    Snip,

    /// <summary>GraSP (Wang et al. 2020): global top-k of θ ⊙ (H·g), logits divided by temperature 200.</summary>
    Grasp,

    /// <summary>SynFlow (Tanaka et al. 2020): data-free, 100 rounds of global |θ ⊙ ∂R/∂θ|.</summary>
    SynFlow,
}
