// TopKastRefreshCallback: calls each Top-KAST layer's Step (TopKastLinear, TopKastConv2d) after every optimizer step,
// which refreshes the forward set A and backward set B (and remaps the optimizer's state) every --topkast-refresh steps.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Cli.Methods;

/// <summary>Drives the set refreshes of a model's Top-KAST layers.</summary>
public sealed class TopKastRefreshCallback(IReadOnlyList<ITopKastLayer> layers) : ITrainingCallback, ICheckpointable
{
    private readonly ITopKastLayer[] _layers = [.. layers];

    /// <summary>Refreshes performed (counted once per step in which any layer refreshed).</summary>
    public int Refreshes { get; private set; }

    /// <inheritdoc/>
    public void OnStepEnd(Trainer trainer, in StepInfo step)
    {
        bool any = false;
        for (int i = 0; i < _layers.Length; i++) any |= _layers[i].Step(trainer.Step, trainer.Optimizer);
        if (any) Refreshes++;
    }

    /// <inheritdoc/>
    /// <remarks>Only the refresh count ("topkast.refreshes"); the sets and the reservoir are the layers' own state.</remarks>
    public void SaveState(StateDict state) => state.AddScalar("topkast.refreshes", Refreshes);

    /// <inheritdoc/>
    public void LoadState(StateDict state) => Refreshes = (int)state.Scalar("topkast.refreshes");
}
