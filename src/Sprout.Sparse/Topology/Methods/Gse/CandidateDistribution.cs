// CandidateDistribution: which rank-1 distribution GSE draws its candidate subset from (Heddes et al. 2024, §3 and
// supplement). Kept as an enum because the three differ only in how the per-feature weights a and b are computed.
namespace Sprout.Sparse.Topology.Methods;

/// <summary>The sampling distribution p(j,i) = g_j·f_i of GSE's candidate subset.</summary>
public enum CandidateDistribution
{
    /// <summary>a ≡ 1, b ≡ 1: every inactive position equally likely (the paper's recommendation).</summary>
    Uniform,

    /// <summary>GraBo: a_i = Σ_b |h_{i,b}|, b_j = Σ_b |δ_{j,b}|, an upper bound on |∇_{ji}|.</summary>
    GraBo,

    /// <summary>GraEst: a_i = |Σ_b s_b·h_{i,b}|, b_j = |Σ_b s_b·δ_{j,b}| with one random sign s_b per sample (AMS estimate).</summary>
    GraEst,
}
