// FusedRelu: the place of a ReLU that the preceding SparseLinear applies itself (SparseLinearOptions.Relu).
// It keeps the module's index in its Sequential, so module paths (and with them parameter names, layer names in
// tables and checkpoints) are those of the unfused model. It does nothing.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Identity standing in for a ReLU fused into the previous sparse layer.</summary>
public sealed class FusedRelu : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input;

    /// <inheritdoc/>
    public override string ToString() => "FusedRelu (applied by the previous layer)";
}
