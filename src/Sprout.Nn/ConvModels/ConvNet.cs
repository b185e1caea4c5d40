// ConvNet: an image classifier that knows its input C×H×W. It accepts the batch as the data loader gives it
// (BatchMajor [B, C·H·W] or [B, C, H, W]), reorders it once to FeatureMajor [C, B, H, W] for the conv stack, and
// runs its layers, which end in BatchMajor logits [B, classes] (global pooling or Flatten before the head).
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>A conv-net classifier: input reorder, then <see cref="Layers"/>.</summary>
public sealed class ConvNet : Module
{
    private readonly List<Module> _layers = [];

    /// <summary>
    /// A net for inputs of the given shape running <paramref name="layers"/> in order; each is registered under its name,
    /// which is the first part of its module path (so a factory path "layer1.0.conv1" is a layer named "layer1").
    /// </summary>
    /// <exception cref="ArgumentException">A non-positive input shape.</exception>
    public ConvNet(string name, int channels, int height, int width, int classes, IEnumerable<(string Name, Module Layer)> layers)
    {
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"A conv net needs a positive input shape (got {channels}×{height}×{width}).");
        (Name, Channels, Height, Width, Classes) = (name, channels, height, width, classes);
        foreach (var (layerName, layer) in layers) _layers.Add(RegisterModule(layerName, layer));
    }

    /// <summary>Architecture name, e.g. "resnet20".</summary>
    public string Name { get; }

    /// <summary>Input channels.</summary>
    public int Channels { get; }

    /// <summary>Input height.</summary>
    public int Height { get; }

    /// <summary>Input width.</summary>
    public int Width { get; }

    /// <summary>Number of output logits.</summary>
    public int Classes { get; }

    /// <summary>The layers after the input reorder, in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = input.Layout == Layout.FeatureMajor ? input : Ops.ToFeatureMajor(input, Channels, Height, Width);
        return LayerChain.Forward(_layers, x);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Channels}×{Height}×{Width} → {Classes})";
}
