// TopKastOptions: the per-layer settings of Top-KAST that are not densities (those come from a DensityPlan).
namespace Sprout.Nn;

/// <summary>Settings for <see cref="TopKastLayerFactory"/>.</summary>
/// <param name="BackwardExtra">M, the extra fraction receiving gradients; null means M = the layer's D (capped at 1 − D).</param>
/// <param name="Regularization">λ of the exploration regularizer.</param>
/// <param name="RefreshEvery">Steps between refreshes of the forward and backward sets.</param>
/// <param name="SquaredPenalty">Squared L2 penalty (true) or absolute (false).</param>
/// <param name="Reservoir">Dense reservoir as published, or compact.</param>
/// <param name="MaskedConv">Conv layers in the masked form (MaskedTopKastConv2d: dense θ and dense conv kernels) instead of always-sparse TopKastConv2d.</param>
public sealed record TopKastOptions(double? BackwardExtra = null, float Regularization = 1e-4f, int RefreshEvery = 100, bool SquaredPenalty = true,
    TopKastReservoirKind Reservoir = TopKastReservoirKind.Dense, bool MaskedConv = false);
