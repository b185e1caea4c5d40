// LayerChain: runs modules in order, as Sequential and ConvNet do, with one fusion: a BatchNorm2d followed by a plain
// Relu runs as BatchNorm2d.ForwardRelu (the same values, one pass over the activations each way instead of two), as
// the residual blocks already do inside (the stem's and WRN's last BatchNorm + ReLU, VGG's features). Both modules
// keep their place in the module tree; only the recorded ops differ.
using Sprout.Core;

namespace Sprout.Nn;

internal static class LayerChain
{
    /// <summary>x through <paramref name="layers"/> in order.</summary>
    public static Tensor Forward(IReadOnlyList<Module> layers, Tensor x)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is BatchNorm2d bn && i + 1 < layers.Count && layers[i + 1] is Relu { IsPlain: true })
            {
                x = bn.ForwardRelu(x);
                i++;
            }
            else x = layers[i].Forward(x);
        }
        return x;
    }
}
