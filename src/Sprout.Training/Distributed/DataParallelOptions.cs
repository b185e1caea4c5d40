// DataParallelOptions: the choices of a data-parallel run that a user may want to change.
namespace Sprout.Training.Distributed;

/// <summary>Options of <see cref="DataParallel"/>.</summary>
public sealed record DataParallelOptions
{
    /// <summary>
    /// Sum gradients and scores by gathering every rank's buffer and adding in rank order, so that all ranks hold
    /// bit-identical values (and reruns reproduce them); costs N× the traffic of an all-reduce. Default: false.
    /// </summary>
    public bool DeterministicReduction { get; init; }

    /// <summary>Floats per gradient bucket (default 1 Mi = 4 MB).</summary>
    public int BucketElements { get; init; } = GradientSlab.DefaultBucketElements;

    /// <summary>
    /// Also compare all ranks' fingerprints every this many steps (0: only at the start, after every topology
    /// update and at the end of training).
    /// </summary>
    public int VerifyEvery { get; init; }
}
