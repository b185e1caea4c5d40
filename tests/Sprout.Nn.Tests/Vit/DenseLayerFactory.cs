// Tests-only layer factory: every Linear is the dense Linear, and it records the paths and shapes it was asked for,
// so a test can check that a model names its layers stably. (The real factories live with the sparse layers.)
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn.Tests.Vit;

internal sealed class DenseLayerFactory(Rng rng) : ILayerFactory
{
    public List<(string Path, int In, int Out, bool Bias)> Requests { get; } = [];

    public Module Linear(string path, int inFeatures, int outFeatures, bool bias = true)
    {
        Requests.Add((path, inFeatures, outFeatures, bias));
        return new Linear(inFeatures, outFeatures, rng, bias);
    }

    public Module Conv2d(string path, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal) =>
        throw new NotSupportedException("The ViT tests build no convolutions.");
}
