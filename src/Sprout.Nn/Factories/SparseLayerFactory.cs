// SparseLayerFactory: sparse layers at the density a DensityPlan gives each module path: always-sparse CSR layers
// (SparseLinear/SparseConv2d, cost ∝ nnz) or dense-weights-times-mask layers (MaskedLinear/MaskedConv2d, as published
// research code), with a uniformly random topology and the chosen init (fan-in-aware by default). A layer planned at density 1 is an
// ordinary dense Linear or Conv2d. Build a model with it after recording its shapes (RecordingLayerFactory.Plan).
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;

namespace Sprout.Nn;

/// <summary>Builds CSR or masked sparse layers at planned densities.</summary>
/// <param name="plan">Density per module path.</param>
/// <param name="rng">Initialization stream (topology, then values, then bias, per layer in build order).</param>
/// <param name="kind">CSR (always-sparse) or masked.</param>
/// <param name="init">How live weights are initialized.</param>
public sealed class SparseLayerFactory(DensityPlan plan, Rng rng, SparseLayerKind kind = SparseLayerKind.Csr, SparseInitMode init = SparseInitMode.FanInAware)
    : LayerFactory
{
    /// <summary>The densities this factory builds at.</summary>
    public DensityPlan Plan => plan;

    /// <summary>CSR or masked.</summary>
    public SparseLayerKind Kind => kind;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The plan has no density for <paramref name="path"/>.</exception>
    protected override Module CreateLinear(string path, int inFeatures, int outFeatures, bool bias)
    {
        double density = plan.DensityOf(path);
        if (density >= 1.0) return new Linear(inFeatures, outFeatures, rng, bias);
        return kind == SparseLayerKind.Csr
            ? new SparseLinear(inFeatures, outFeatures, density, rng, bias, init)
            : new MaskedLinear(inFeatures, outFeatures, density, rng, bias, init);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The plan has no density for <paramref name="path"/>.</exception>
    protected override Module CreateConv2d(string path, ConvShape shape, bool bias, ConvInit convInit)
    {
        double density = plan.DensityOf(path);
        if (density >= 1.0) return new Conv2d(shape, rng, bias, convInit);
        return kind == SparseLayerKind.Csr
            ? new SparseConv2d(shape, density, rng, bias, init, convInit)
            : new MaskedConv2d(shape, density, rng, bias, init, convInit);
    }
}
