// Sequential: applies its children in order (a BatchNorm2d followed by a plain Relu as one fused op, LayerChain);
// children are named "0", "1", … as in PyTorch.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>A chain of modules.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = [];

    /// <summary>Creates a chain of the given modules.</summary>
    public Sequential(params Module[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>Appends a module.</summary>
    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <inheritdoc/>
    /// <remarks>A BatchNorm2d followed by a plain Relu runs as one fused op (LayerChain).</remarks>
    public override Tensor Forward(Tensor input) => LayerChain.Forward(_layers, input);
}
