// GELU module, the exact erf form (PyTorch nn.GELU() default, approximate='none'), as simple_vit's MLP uses.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>x·Φ(x), Φ the standard normal CDF.</summary>
public sealed class Gelu : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.Gelu(input);
}
