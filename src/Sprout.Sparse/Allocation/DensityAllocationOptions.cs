// DensityAllocationOptions: the knobs of layer-wise density allocation, validated once at construction.
namespace Sprout.Sparse.Allocation;

/// <summary>Settings for <see cref="DensityAllocation.Allocate"/>.</summary>
public sealed record DensityAllocationOptions
{
    /// <summary>Creates options for a global density d ∈ (0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">density outside (0, 1].</exception>
    public DensityAllocationOptions(double density, DensityDistribution distribution = DensityDistribution.ErdosRenyiKernel)
    {
        if (!(density is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(density), density, "The density (kept fraction) must be in (0, 1], e.g. 0.05.");
        Density = density;
        Distribution = distribution;
    }

    /// <summary>Target overall density d over the layers that are not overridden.</summary>
    public double Density { get; }

    /// <summary>Allocation rule.</summary>
    public DensityDistribution Distribution { get; }

    /// <summary>RigL's erk_power_scale p: raw probabilities are raised to p (0 → uniform, 1 → ER/ERK).</summary>
    public double PowerScale { get; init; } = 1.0;

    /// <summary>Keep the first layer dense (excluded from the budget, like a custom density).</summary>
    public bool DenseFirstLayer { get; init; }

    /// <summary>Keep the last layer dense (excluded from the budget, like a custom density).</summary>
    public bool DenseLastLayer { get; init; }

    /// <summary>Fixed densities by layer name; these layers are excluded from the budget (RigL's custom_sparsity_map).</summary>
    public IReadOnlyDictionary<string, double> Overrides { get; init; } = new Dictionary<string, double>();
}
