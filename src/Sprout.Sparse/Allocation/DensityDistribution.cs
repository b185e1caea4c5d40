// DensityDistribution: the named rules for splitting a global density across layers (ALGORITHMS.md §6).
namespace Sprout.Sparse.Allocation;

/// <summary>How a global density is split across layers.</summary>
public enum DensityDistribution
{
    /// <summary>d_l = d for every layer.</summary>
    Uniform,

    /// <summary>Erdős–Rényi: d_l ∝ (n_in + n_out)/(n_in·n_out), channel dimensions only (Mocanu et al. 2018).</summary>
    ErdosRenyi,

    /// <summary>Erdős–Rényi-Kernel: d_l ∝ (h + w + n_in + n_out)/(h·w·n_in·n_out) (Evci et al. 2020); equals ER for linear layers.</summary>
    ErdosRenyiKernel,
}
