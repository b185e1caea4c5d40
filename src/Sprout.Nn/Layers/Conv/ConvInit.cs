// ConvInit: how a conv layer's weights start. It is the model builder's choice, as in PyTorch where each reference
// model re-initializes its convs: the CIFAR ResNets, WRN and VGG use He's normal init, while sparse momentum's
// LeNet-5 keeps PyTorch's Conv2d default, a variance six times smaller that its recipe (SGD lr 0.1, no BatchNorm)
// needs: with He's init that recipe diverges in the first epoch.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>The initialization scheme of a conv layer's weights.</summary>
public enum ConvInit
{
    /// <summary>He's normal init, N(0, 2/fan_in): the CIFAR ResNets, Wide ResNets and VGG.</summary>
    HeNormal,

    /// <summary>PyTorch's Conv2d default, U(±1/√fan_in) (Kaiming uniform with a = √5): LeNet-5 as in sparse momentum.</summary>
    TorchDefault,
}

/// <summary>Draws conv weights by a <see cref="ConvInit"/>.</summary>
public static class ConvInits
{
    /// <summary>
    /// The scheme's Kaiming gain: weight variance = gain²/fan_in (√2 for He, 1/√3 for PyTorch's default). Sparse layers
    /// apply it over each output channel's live fan-in, so a sparse unit starts with the dense unit's output variance.
    /// </summary>
    public static float Gain(this ConvInit init) => init switch
    {
        ConvInit.HeNormal => MathF.Sqrt(2f),
        ConvInit.TorchDefault => 1f / MathF.Sqrt(3f),
        _ => throw new ArgumentOutOfRangeException(nameof(init), init, "Unknown conv init."),
    };

    /// <summary>Fills a dense weight [Cout × fan_in] by the scheme.</summary>
    public static void Fill(this ConvInit init, Tensor weight, Rng rng)
    {
        if (init == ConvInit.HeNormal) Init.KaimingNormal(weight, rng, init.Gain());
        else Init.KaimingUniform(weight, rng, init.Gain());
    }
}
