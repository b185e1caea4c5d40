// ILayerFactory: where a model builder gets its weight layers. Builders (MLP, LeNet-5, ResNet, WRN, VGG, ViT)
// describe the architecture once and ask the factory for every Linear and Conv2d by its module path; the
// factory decides dense, always-sparse (CSR), masked or Top-KAST, and at what density. A recording factory
// collects every layer's shape first (for ERK and other allocations), then the model is built for real.
// So no code ever rebuilds a sparse model from a dense one, and layers nested in blocks are never missed.
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Creates the weight layers of a model.</summary>
public interface ILayerFactory
{
    /// <summary>A fully connected layer y = x·Wᵀ + b with W [outFeatures × inFeatures].</summary>
    /// <param name="path">The layer's module path in the model (e.g. "blocks.0.mlp.fc1"); names its parameters and density.</param>
    /// <param name="inFeatures">Input features (columns of W).</param>
    /// <param name="outFeatures">Output features (rows of W).</param>
    /// <param name="bias">Whether the layer adds a learned bias per output.</param>
    Module Linear(string path, int inFeatures, int outFeatures, bool bias = true);

    /// <summary>A 2-d convolution with weight [OutChannels × InChannels·KH·KW] over FeatureMajor [C, B, H, W] activations.</summary>
    /// <param name="path">The layer's module path in the model (e.g. "layer1.0.conv1").</param>
    /// <param name="shape">Channels, kernel, stride and padding.</param>
    /// <param name="bias">Whether the layer adds a learned bias per output channel (false before a BatchNorm).</param>
    /// <param name="init">The weights' initialization scheme (the model's reference implementation decides).</param>
    Module Conv2d(string path, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal);
}
