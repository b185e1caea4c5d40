// Flatten: [B, d1, d2, …] → [B, d1·d2·…], for images entering an MLP; a FeatureMajor conv output [C, B, H, W] is
// reordered to BatchMajor [B, C·H·W] (PyTorch's flatten order), so a Linear head follows a conv stack directly.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Flattens all but the batch dimension into BatchMajor [B, features].</summary>
public sealed class Flatten : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Layout == Layout.FeatureMajor ? Ops.ToBatchMajor(input) : Ops.Flatten(input);
}
