// SpartanAllocation: how Spartan splits its budget across layers (the reference's sparsity_dist option).
namespace Sprout.Sparse.Topology.Methods;

/// <summary>Budget allocation across layers for <see cref="Spartan"/>.</summary>
public enum SpartanAllocation
{
    /// <summary>One budget pooled over all layers (the reference default).</summary>
    Global,

    /// <summary>Every layer keeps the same fraction.</summary>
    Uniform,

    /// <summary>Per-layer densities ∝ (in + out)/(in·out), capped at 1, scaled to the global budget.</summary>
    Erk,
}
