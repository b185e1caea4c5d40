// ITrainingCallback: the hooks a sparsity method, a logger or a checkpointer plugs into. Every method has
// an empty default, so a callback implements only what it needs. Callbacks may change the model's
// weights or topology in OnStepEnd (after optimizer.Step, before the next forward pass).
namespace Sprout.Training;

/// <summary>Hooks called by <see cref="Trainer"/>.</summary>
public interface ITrainingCallback
{
    /// <summary>Before the first epoch of <see cref="Trainer.Fit"/> (also when resuming).</summary>
    void OnTrainStart(Trainer trainer) { }

    /// <summary>After each optimizer step. Must not allocate if the loop is to stay allocation-free.</summary>
    void OnStepEnd(Trainer trainer, in StepInfo step) { }

    /// <summary>After each epoch's evaluation.</summary>
    void OnEpochEnd(Trainer trainer, EpochResult result) { }

    /// <summary>After the last epoch (not called when training stops on an exception).</summary>
    void OnTrainEnd(Trainer trainer) { }
}
