// ScaleResult: one width of the `bench scale` sweep (see ScaleBenchmark). Pure data.
namespace Sprout.Training.Sparsity;

/// <summary>Result for one width.</summary>
/// <param name="Width">Hidden width W (two hidden layers).</param>
/// <param name="HiddenNeurons">2·W.</param>
/// <param name="Nnz">Active connections in the whole model.</param>
/// <param name="Steps">Steps timed.</param>
/// <param name="MsPerStep">Mean wall time per step.</param>
/// <param name="EpochSeconds">MsPerStep × steps per MNIST epoch.</param>
/// <param name="PeakWorkingSetMb">Process peak working set while this width ran (on Linux; elsewhere the run's peak so far).</param>
/// <param name="ManagedHeapMb">Live managed memory after this width's steps (model, optimizer state, buffers), after a full GC.</param>
public sealed record ScaleResult(int Width, long HiddenNeurons, long Nnz, int Steps, double MsPerStep, double EpochSeconds, double PeakWorkingSetMb, double ManagedHeapMb)
{
    /// <summary>
    /// Process CPU time (all threads) per timed step. On a machine shared with other jobs it moves less than the wall
    /// time, since time the cores spend on others is not counted; it does count the pool's brief spin-waits.
    /// </summary>
    public double CpuMsPerStep { get; init; } = double.NaN;
}
