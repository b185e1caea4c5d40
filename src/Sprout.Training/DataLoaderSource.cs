// DataLoaderSource: adapts Sprout.Data's DataLoader (preallocated batch tensors, order seeded by
// (seed, epoch) alone) to the trainer's IBatchSource. It adds nothing: batching, shuffling and
// augmentation are the loader's.
using Sprout.Core;
using Sprout.Data;

namespace Sprout.Training;

/// <summary>An <see cref="IBatchSource"/> over a <see cref="DataLoader"/>.</summary>
public sealed class DataLoaderSource(DataLoader loader) : IBatchSource
{
    /// <summary>A source over <paramref name="dataset"/> (shuffled per epoch from <paramref name="seed"/> when <paramref name="shuffle"/>).</summary>
    public DataLoaderSource(Dataset dataset, int batchSize, bool shuffle, ulong seed = 0, Augmentation? augmentation = null)
        : this(new DataLoader(dataset, new DataLoaderOptions
        {
            BatchSize = Math.Min(batchSize, Math.Max(dataset.Count, 1)),
            Shuffle = shuffle,
            Seed = seed,
            Augmentation = augmentation,
        }))
    {
    }

    /// <inheritdoc/>
    public int BatchesPerEpoch => loader.BatchesPerEpoch;

    /// <inheritdoc/>
    public void Reset(int epoch) => loader.StartEpoch(epoch);

    /// <inheritdoc/>
    public bool Next(out Tensor inputs, out int[] labels, out int count)
    {
        bool more = loader.MoveNext();
        inputs = loader.Inputs;
        labels = loader.LabelBuffer;
        count = loader.CurrentBatchSize;
        return more;
    }
}
