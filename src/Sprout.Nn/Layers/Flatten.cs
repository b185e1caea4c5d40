// Flatten: [B, d1, d2, …] → [B, d1·d2·…], for images entering an MLP.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Flattens all but the first dimension.</summary>
public sealed class Flatten : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.Flatten(input);
}
