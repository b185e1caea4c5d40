// RunResult: what one training run reports to a sweep. Plain numbers only, so a sweep can be fed by the CLI's
// trainer, a test, or a script.
namespace Sprout.Training.Sweeps;

/// <summary>The outcome of one (config, seed) run.</summary>
/// <param name="TestError">Test error in [0, 1].</param>
/// <param name="EpochSeconds">Mean wall-clock seconds per training epoch.</param>
/// <param name="TrainingFlops">Total training FLOPs of the run (forward + backward + topology updates).</param>
/// <param name="DenseTrainingFlops">Training FLOPs of the same run with a dense model (the denominator of the relative column).</param>
/// <param name="PeakMemoryMb">The training process's peak resident memory in MiB, or NaN when the run did not record it.</param>
public readonly record struct RunResult(double TestError, double EpochSeconds, double TrainingFlops, double DenseTrainingFlops, double PeakMemoryMb = double.NaN);
