// SparsityCallback: plugs a SparseTrainingDriver (topology updates + FLOP counting) or a GradualMagnitudePruner into
// Trainer through ITrainingCallback and carries their state into checkpoints. The per-layer table is printed by the
// caller (SparseTrainingDriver.LayerTable).
using Sprout.Core;

namespace Sprout.Training.Sparsity;

/// <summary>Trainer adapter for the sparsity drivers.</summary>
public sealed class SparsityCallback : ITrainingCallback, ICheckpointable
{
    /// <summary>Runs <paramref name="driver"/> (and <paramref name="gmp"/>, if any) after every optimizer step.</summary>
    public SparsityCallback(SparseTrainingDriver driver, GradualMagnitudePruner? gmp = null)
    {
        Driver = driver;
        Gmp = gmp;
    }

    /// <summary>The topology/FLOP driver.</summary>
    public SparseTrainingDriver Driver { get; }

    /// <summary>Gradual magnitude pruning, when the method is GMP.</summary>
    public GradualMagnitudePruner? Gmp { get; }

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
