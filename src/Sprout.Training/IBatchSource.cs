// IBatchSource: what the trainer needs from a dataset split: an epoch-seeded order and batches in
// preallocated tensors. Sprout.Data's loaders are adapted to it (see DataLoaderSource); tests and library
// users can wrap in-memory arrays. Keeping the trainer on this small interface is what lets a user swap
// in any data pipeline without touching the loop.
using Sprout.Core;

namespace Sprout.Training;

/// <summary>Mini-batches of one split (train, validation or test).</summary>
public interface IBatchSource
{
    /// <summary>Batches per pass (the last one may be smaller).</summary>
    int BatchesPerEpoch { get; }

    /// <summary>
    /// Starts a pass. A shuffling source must derive its order from its seed and <paramref name="epoch"/>
    /// alone (not from earlier passes), so that resuming at an epoch reproduces the same batches.
    /// </summary>
    void Reset(int epoch);

    /// <summary>
    /// Fills the next batch. <paramref name="inputs"/> is [count, …] and <paramref name="labels"/> holds at
    /// least <paramref name="count"/> labels; both are reused by the next call. Returns false at the end of the pass.
    /// </summary>
    bool Next(out Tensor inputs, out int[] labels, out int count);
}
