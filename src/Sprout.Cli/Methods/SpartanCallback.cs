// SpartanCallback: plugs the Spartan sparsifier into Trainer. Before each forward pass the weights are swapped for
// w̃ = w ⊙ mask (BeforeForward); after the backward pass they are restored and their gradients rewritten
// (AfterBackward). Evaluation passes see w̃ too (the gradients rewritten after an evaluation are discarded by the
// next step's ZeroGrad). When training ends the weights are left as w̃, the final sparse model.
using Sprout.Sparse.Topology.Methods;
using Sprout.Training;

namespace Sprout.Cli.Methods;

/// <summary>Trainer adapter for <see cref="Spartan"/>.</summary>
public sealed class SpartanCallback(Spartan spartan) : ITrainingCallback
{
    /// <summary>The sparsifier.</summary>
    public Spartan Spartan { get; } = spartan;

    /// <inheritdoc/>
    public void OnForwardStart(Trainer trainer, int step) => Spartan.BeforeForward(Math.Min(step, Spartan.TotalSteps - 1));

    /// <inheritdoc/>
    public void OnBackwardEnd(Trainer trainer) => Spartan.AfterBackward();

    /// <inheritdoc/>
    public void OnEvaluateStart(Trainer trainer) => Spartan.BeforeForward(Math.Min(trainer.Step, Spartan.TotalSteps - 1));

    /// <inheritdoc/>
    public void OnEvaluateEnd(Trainer trainer) => Spartan.AfterBackward();

    /// <inheritdoc/>
    public void OnTrainEnd(Trainer trainer) => Spartan.BeforeForward(Math.Min(trainer.Step, Spartan.TotalSteps - 1));
}
