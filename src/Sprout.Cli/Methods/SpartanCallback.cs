// SpartanCallback: plugs the Spartan sparsifier into Trainer. Before each forward pass the weights are swapped for
// w̃ = w ⊙ mask (BeforeForward); after the backward pass they are restored and their gradients rewritten
// (AfterBackward). Evaluation passes see w̃ too (the gradients rewritten after an evaluation are discarded by the
// next step's ZeroGrad). At each epoch end the model holds w̃ until the next step, so the checkpoints written then
// (and the model after training) are the sparse model that was evaluated.
using Sprout.Core;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training;

namespace Sprout.Cli.Methods;

/// <summary>Trainer adapter for <see cref="Spartan"/>.</summary>
public sealed class SpartanCallback(Spartan spartan) : ITrainingCallback, ICheckpointable
{
    private bool _holdingMasked;

    /// <summary>The sparsifier.</summary>
    public Spartan Spartan { get; } = spartan;

    /// <inheritdoc/>
    public void OnForwardStart(Trainer trainer, int step)
    {
        Release();
        Spartan.BeforeForward(Clamp(step));
    }

    /// <inheritdoc/>
    public void OnBackwardEnd(Trainer trainer) => Spartan.AfterBackward();

    /// <inheritdoc/>
    public void OnEvaluateStart(Trainer trainer)
    {
        if (!_holdingMasked) Spartan.BeforeForward(Clamp(trainer.Step));
    }

    /// <inheritdoc/>
    public void OnEvaluateEnd(Trainer trainer)
    {
        if (!_holdingMasked) Spartan.AfterBackward();
    }

    /// <inheritdoc/>
    /// <remarks>Runs before the checkpoint callback (method callbacks are registered first).</remarks>
    public void OnEpochEnd(Trainer trainer, EpochResult result) => Hold(trainer);

    /// <inheritdoc/>
    public void OnTrainEnd(Trainer trainer) => Hold(trainer);

    private void Hold(Trainer trainer)
    {
        if (_holdingMasked) return;
        Spartan.BeforeForward(Clamp(trainer.Step));
        _holdingMasked = true;
    }

    // Restores w before the next step; the gradients it rewrites were just zeroed and stay zero.
    private void Release()
    {
        if (!_holdingMasked) return;
        Spartan.AfterBackward();
        _holdingMasked = false;
    }

    /// <inheritdoc/>
    /// <remarks>"spartan.holding" (the model holds w̃) and the sparsifier's state under "spartan.".</remarks>
    public void SaveState(StateDict state)
    {
        var scope = state.Scope("spartan");
        scope.AddScalar("holding", _holdingMasked ? 1 : 0);
        Spartan.SaveState(scope);
    }

    /// <inheritdoc/>
    public void LoadState(StateDict state)
    {
        var scope = state.Scope("spartan");
        _holdingMasked = scope.Scalar("holding") != 0;
        Spartan.LoadState(scope);
    }

    private int Clamp(int step) => Math.Min(step, Spartan.TotalSteps - 1);
}
