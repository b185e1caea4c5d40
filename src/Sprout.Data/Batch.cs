// Batch: a view of the DataLoader's current batch. It points at the loader's preallocated buffers, so it is
// only valid until the loader moves on; copy anything that must outlive the step.
using Sprout.Core;

namespace Sprout.Data;

/// <summary>The current batch of a <see cref="DataLoader"/>: inputs and labels in the loader's reused buffers.</summary>
public readonly struct Batch
{
    private readonly int[] _labels;

    internal Batch(Tensor inputs, int[] labels, int count)
    {
        Inputs = inputs;
        _labels = labels;
        Count = count;
    }

    /// <summary>Inputs, shape [Count, C, H, W] or [Count, C·H·W]; the loader's tensor, overwritten by the next batch.</summary>
    public Tensor Inputs { get; }

    /// <summary>Labels of the <see cref="Count"/> samples.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, Count);

    /// <summary>Number of samples in this batch.</summary>
    public int Count { get; }
}
