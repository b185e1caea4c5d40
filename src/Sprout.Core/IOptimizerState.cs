// IOptimizerState: the one view of an optimizer that sparsity methods need, kept in Core so that the sparse
// layer (which cannot see Nn.Optim) can keep optimizer state aligned through topology changes and read
// momentum for growth criteria (sparse momentum) without knowing which optimizer is in use.
namespace Sprout.Core;

/// <summary>Per-parameter state of an optimizer, addressed by the parameter tensor and a slot name.</summary>
public interface IOptimizerState
{
    /// <summary>Applies a re-layout of <paramref name="parameter"/>'s elements to every state slot of that parameter.</summary>
    void RemapState(Tensor parameter, IElementRemap remap);

    /// <summary>The state tensor of a slot ("momentum", "exp_avg", "exp_avg_sq"), or null if this optimizer has none.</summary>
    Tensor? FindState(Tensor parameter, string slot);
}
