// DataOptions: everything DatasetRegistry.Load needs besides the dataset name. Immutable, so the CLI can
// build it once from its arguments and pass it around.
namespace Sprout.Data;

/// <summary>Options for <see cref="DatasetRegistry.Load"/>.</summary>
public sealed record DataOptions
{
    /// <summary>Explicit data directory (the CLI's --data-dir); null to use <see cref="Data.DataDirectory.Resolve(string?)"/>'s search.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Standardization after scaling pixels to [0, 1]; default none.</summary>
    public NormalizationMode Normalization { get; init; } = NormalizationMode.None;

    /// <summary>CIFAR-100 only: use the 20 coarse superclass labels instead of the 100 fine labels.</summary>
    public bool CoarseLabels { get; init; }

    /// <summary>
    /// Require each split to hold the official number of samples (MNIST 60000/10000, CIFAR 50000/10000), so a file
    /// with an extra or a missing record is refused; default true. Tests with small synthetic files turn it off.
    /// </summary>
    public bool RequireOfficialCounts { get; init; } = true;
}
