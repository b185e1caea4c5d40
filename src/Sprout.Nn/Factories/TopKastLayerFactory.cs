// TopKastLayerFactory: Top-KAST layers (Jayakumar et al. 2020) with the forward density D a DensityPlan gives each
// module path and the backward extra M = min(options' M, or D when unset, 1 − D), refreshed and regularized as the
// options say. Every weight layer of the model becomes a TopKastLinear (a layer planned at density 1 too, D = 1, M = 0)
// or a TopKastConv2d (always-sparse, same sets and reservoir); with options.MaskedConv a conv becomes the masked
// MaskedTopKastConv2d instead (dense θ and kernels, as published research code; the reservoir option does not apply).
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;

namespace Sprout.Nn;

/// <summary>Builds <see cref="TopKastLinear"/> and <see cref="TopKastConv2d"/> (or <see cref="MaskedTopKastConv2d"/>) layers at planned forward densities.</summary>
/// <param name="plan">Forward density D per module path.</param>
/// <param name="rng">Initialization stream, drawn in build order.</param>
/// <param name="options">Backward extra, regularizer, refresh interval and reservoir.</param>
public sealed class TopKastLayerFactory(DensityPlan plan, Rng rng, TopKastOptions options) : LayerFactory
{
    /// <inheritdoc/>
    protected override Module CreateLinear(string path, int inFeatures, int outFeatures, bool bias)
    {
        double d = plan.DensityOf(path);
        double m = Math.Min(options.BackwardExtra ?? d, 1 - d);
        return new TopKastLinear(inFeatures, outFeatures, d, m, rng, options.Regularization, options.RefreshEvery, options.SquaredPenalty, bias, options.Reservoir);
    }

    /// <inheritdoc/>
    protected override Module CreateConv2d(string path, ConvShape shape, bool bias, ConvInit init)
    {
        double d = plan.DensityOf(path);
        double m = Math.Min(options.BackwardExtra ?? d, 1 - d);
        return options.MaskedConv
            ? new MaskedTopKastConv2d(shape, d, m, rng, options.Regularization, options.RefreshEvery, options.SquaredPenalty, bias, init)
            : new TopKastConv2d(shape, d, m, rng, options.Regularization, options.RefreshEvery, options.SquaredPenalty, bias, options.Reservoir, init);
    }
}
