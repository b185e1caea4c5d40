// ITopKastLayer: what training needs of a Top-KAST layer whatever its geometry (TopKastLinear, TopKastConv2d): the
// set sizes for summaries and the refresh call after each optimizer step.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>A layer trained by Top-KAST, with a forward set A and a backward set B ⊇ A.</summary>
public interface ITopKastLayer
{
    /// <summary>|A|: weights used in the forward pass.</summary>
    int ForwardCount { get; }

    /// <summary>|B|: weights that receive gradients.</summary>
    int BackwardCount { get; }

    /// <summary>Call after optimizer step <paramref name="step"/> (1-based); refreshes A and B on the layer's interval. Returns true on a refresh.</summary>
    bool Step(int step, IOptimizerState? optimizer);
}
