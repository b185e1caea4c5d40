// DenseLayerFactory: ordinary dense layers (Linear, W, b ~ U(±1/√fan-in) as in PyTorch; Conv2d, the builder's ConvInit), drawn from one Rng in the
// order the model builder asks for them. The dense baseline, and the model GMP, Spartan and pruning-at-init score.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Builds dense layers.</summary>
/// <param name="rng">Initialization stream; layers draw from it in build order.</param>
public sealed class DenseLayerFactory(Rng rng) : LayerFactory
{
    /// <inheritdoc/>
    protected override Module CreateLinear(string path, int inFeatures, int outFeatures, bool bias) =>
        new Linear(inFeatures, outFeatures, rng, bias);

    /// <inheritdoc/>
    protected override Module CreateConv2d(string path, ConvShape shape, bool bias, ConvInit init) => new Conv2d(shape, rng, bias, init);
}
