// SparsityCallback: plugs a SparseTrainingDriver (topology updates + FLOP counting) or a GradualMagnitudePruner into
// Trainer through ITrainingCallback. The per-layer table is printed by the caller (SparseTrainingDriver.LayerTable).
namespace Sprout.Training.Sparsity;

/// <summary>Trainer adapter for the sparsity drivers.</summary>
public sealed class SparsityCallback : ITrainingCallback
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
}
