// ExplorationBonus: the two candidate forms of DST-EE's coverage bonus B(t, N) (ALGORITHMS.md §2b; the paper's
// exact formula could not be verified, so both are offered).
namespace Sprout.Sparse.Topology.Methods;

/// <summary>The exploration bonus B(t, N_i) added to a grow candidate's |gradient| in DST-EE.</summary>
public enum ExplorationBonus
{
    /// <summary>B = ln t / (N + ε) (default).</summary>
    Linear,

    /// <summary>B = sqrt(ln t / (N + ε)), UCB1-like.</summary>
    Ucb,
}
