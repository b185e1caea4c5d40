// CheckpointInfo: the bookkeeping stored beside the tensors in a checkpoint's __metadata__.
namespace Sprout.Training.Checkpoints;

/// <summary>What a checkpoint says about the training it came from.</summary>
/// <param name="Epoch">Epochs completed when it was written.</param>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Metadata">All __metadata__ entries (including the caller's, e.g. the resolved config).</param>
public sealed record CheckpointInfo(int Epoch, int Step, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>A metadata value, or null.</summary>
    public string? this[string key] => Metadata.TryGetValue(key, out var v) ? v : null;
}
