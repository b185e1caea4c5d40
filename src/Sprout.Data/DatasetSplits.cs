// DatasetSplits: the train and test halves of a registry dataset, plus where they were read from.
namespace Sprout.Data;

/// <summary>The official train and test splits of a dataset (for digits, the fixed split described in <see cref="DatasetRegistry"/>).</summary>
/// <param name="Train">Training split.</param>
/// <param name="Test">Test split.</param>
/// <param name="Source">Directory the files came from, or "embedded" for the built-in digits.</param>
public sealed record DatasetSplits(Dataset Train, Dataset Test, string Source)
{
    /// <summary>The per-channel standardization applied to both splits (x − mean) / std, or null when none was.</summary>
    public ChannelNormalization? Normalization { get; init; }
}
