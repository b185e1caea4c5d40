// StepInfo: what a callback learns after each optimizer step. A readonly struct passed by reference so
// the per-step callback costs no allocation.
namespace Sprout.Training;

/// <summary>The step that just finished.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Step">Optimizer steps completed so far (the step just taken is number <c>Step</c>).</param>
/// <param name="Batch">0-based batch index within the epoch.</param>
/// <param name="Loss">The batch's loss before the update.</param>
/// <param name="Count">Samples in the batch.</param>
public readonly record struct StepInfo(int Epoch, int Step, int Batch, float Loss, int Count);
