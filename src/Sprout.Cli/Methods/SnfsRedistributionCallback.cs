// SnfsRedistributionCallback: the published sparse-momentum update (Dettmers & Zettlemoyer 2019) at every epoch end
// but the last: prune rate p_t = p0·½(1 + cos(π·t/T)) at the current step t, budget redistributed across the
// MaskedLinear layers by mean |momentum| (SparseMomentumRedistribution.Update). Runs after the epoch's evaluation,
// so the next epoch trains on the new masks.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse.Topology;
using Sprout.Training;

namespace Sprout.Cli.Methods;

/// <summary>Epoch-end SNFS prune/redistribute/regrow on MaskedLinear layers.</summary>
public sealed class SnfsRedistributionCallback : ITrainingCallback, ICheckpointable
{
    private readonly MaskedLinear[] _layers;
    private readonly UpdateSchedule _schedule;
    private readonly int _epochs;

    /// <summary>Updates <paramref name="layers"/> at the end of each of the first <paramref name="epochs"/> − 1 epochs, with the drop fraction of <paramref name="schedule"/>.</summary>
    public SnfsRedistributionCallback(IReadOnlyList<MaskedLinear> layers, UpdateSchedule schedule, int epochs)
    {
        _layers = [.. layers];
        _schedule = schedule;
        _epochs = epochs;
    }

    /// <summary>Updates performed so far.</summary>
    public int Updates { get; private set; }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochResult result)
    {
        if (result.Epoch >= _epochs) return;
        float rate = _schedule.FractionAt(trainer.Step);
        if (rate <= 0f) return;
        SparseMomentumRedistribution.Update(_layers, trainer.Optimizer, rate);
        Updates++;
    }

    /// <inheritdoc/>
    /// <remarks>Only the update count ("snfs.updates"): the masks are the layers' state, the momentum the optimizer's.</remarks>
    public void SaveState(StateDict state) => state.AddScalar("snfs.updates", Updates);

    /// <inheritdoc/>
    public void LoadState(StateDict state) => Updates = (int)state.Scalar("snfs.updates");
}
