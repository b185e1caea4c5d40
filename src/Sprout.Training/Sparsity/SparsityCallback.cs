// SparsityCallback: plugs a SparseTrainingDriver (topology updates + FLOP counting) or a GradualMagnitudePruner into
// Trainer through ITrainingCallback. It prints the per-layer table when training starts, and carries their state
// into checkpoints.
using Sprout.Core;

namespace Sprout.Training.Sparsity;

/// <summary>Trainer adapter for the sparsity drivers.</summary>
public sealed class SparsityCallback : ITrainingCallback, ICheckpointable
{
    private readonly TextWriter? _log;

    /// <summary>Runs <paramref name="driver"/> (and <paramref name="gmp"/>, if any) after every optimizer step; prints the layer table to <paramref name="log"/>.</summary>
    public SparsityCallback(SparseTrainingDriver driver, GradualMagnitudePruner? gmp = null, TextWriter? log = null)
    {
        Driver = driver;
        Gmp = gmp;
        _log = log;
    }

    /// <summary>The topology/FLOP driver.</summary>
    public SparseTrainingDriver Driver { get; }

    /// <summary>Gradual magnitude pruning, when the method is GMP.</summary>
    public GradualMagnitudePruner? Gmp { get; }

    /// <inheritdoc/>
    public void OnTrainStart(Trainer trainer) => _log?.Write(Driver.LayerTable());

    /// <inheritdoc/>
    public void OnStepEnd(Trainer trainer, in StepInfo step)
    {
        Gmp?.AfterOptimizerStep(trainer.Optimizer.StepCount);
        Driver.AfterOptimizerStep(trainer.Optimizer.StepCount, trainer.Optimizer, step.Count);
    }

    /// <inheritdoc/>
    public void SaveState(StateDict state)
    {
        Driver.SaveState(state);
        Gmp?.SaveState(state.Scope("gmp"));
    }

    /// <inheritdoc/>
    public void LoadState(StateDict state)
    {
        Driver.LoadState(state);
        Gmp?.LoadState(state.Scope("gmp"));
    }
}
