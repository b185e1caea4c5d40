// NormalizationMode: how the registry standardizes pixel values after scaling them to [0, 1].
namespace Sprout.Data;

/// <summary>What <see cref="DatasetRegistry.Load"/> does after scaling pixels to [0, 1].</summary>
public enum NormalizationMode
{
    /// <summary>Leave pixels in [0, 1].</summary>
    None,

    /// <summary>Per-channel (x − mean) / std with mean and std computed from the train split, applied to both splits.</summary>
    TrainStatistics,

    /// <summary>
    /// Per-channel standardization with the commonly published constants (<see cref="ChannelNormalization.ForDataset"/>);
    /// falls back to <see cref="TrainStatistics"/> for datasets that have none (digits).
    /// </summary>
    Published,
}
