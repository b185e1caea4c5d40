// ShardedBatchSource: turns a source of global batches (the same order on every rank: same seed, same epoch) into
// this rank's shard of each: samples [r·B/N, (r+1)·B/N) of a global batch of B. Every rank therefore trains on
// exactly the batches one process would see with batch size B, which is what makes N ranks equivalent to one
// process. Each rank still loads and transforms the whole global batch before slicing it: cheap for MNIST-sized
// inputs, wasted work for heavy augmentation (a loader that materializes only the shard would remove it).
using Sprout.Core;

namespace Sprout.Training.Distributed;

/// <summary>This rank's contiguous slice of every global batch of an inner source.</summary>
public sealed class ShardedBatchSource : IBatchSource
{
    private readonly IBatchSource _global;
    private readonly int _rank, _size;
    private Tensor? _inputs;
    private int[] _labels = [];
    private readonly int[] _shape = new int[Tensor.MaxRank];

    /// <summary>Shards <paramref name="global"/> for rank <paramref name="rank"/> of <paramref name="size"/>, recording each slice in <paramref name="share"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rank is not in [0, size).</exception>
    public ShardedBatchSource(IBatchSource global, int rank, int size, BatchShare share)
    {
        _global = global ?? throw new ArgumentNullException(nameof(global));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if ((uint)rank >= (uint)size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The rank must be in [0, {size}).");
        _rank = rank;
        _size = size;
        Share = share ?? throw new ArgumentNullException(nameof(share));
    }

    /// <summary>The slice of the batch last returned.</summary>
    public BatchShare Share { get; }

    /// <inheritdoc/>
    public int BatchesPerEpoch => _global.BatchesPerEpoch;

    /// <inheritdoc/>
    public void Reset(int epoch) => _global.Reset(epoch);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A global batch has fewer samples than there are ranks.</exception>
    public bool Next(out Tensor inputs, out int[] labels, out int count)
    {
        bool more = _global.Next(out var x, out var y, out int total);
        if (!more)
        {
            inputs = _inputs ?? x;
            labels = _labels;
            count = 0;
            return false;
        }
        if (total < _size)
            throw new InvalidOperationException($"A batch of {total} samples cannot be shared by {_size} ranks: use a batch size (and a dataset size modulo it) of at least {_size}.");
        int lo = (int)((long)_rank * total / _size), hi = (int)((long)(_rank + 1) * total / _size);
        count = hi - lo;
        Share.Set(lo, count, total);
        inputs = Slice(x, total, lo, count);
        if (_labels.Length < count) _labels = new int[count];
        y.AsSpan(lo, count).CopyTo(_labels);
        labels = _labels;
        return true;
    }

    // Copies samples [lo, lo + count) along the batch axis (0 for BatchMajor [B, …], 1 for FeatureMajor [C, B, …]).
    private Tensor Slice(Tensor x, int total, int lo, int count)
    {
        int axis = x.Layout == Layout.FeatureMajor ? 1 : 0;
        if (x.Dim(axis) != total) throw new InvalidOperationException($"The batch tensor {x} does not have {total} samples along axis {axis}.");
        int rank = x.Rank;
        long outer = 1, inner = 1;
        for (int d = 0; d < rank; d++)
        {
            _shape[d] = d == axis ? count : x.Dim(d);
            if (d < axis) outer *= x.Dim(d);
            else if (d > axis) inner *= x.Dim(d);
        }
        var shape = _shape.AsSpan(0, rank);
        if (_inputs is null) _inputs = new Tensor(shape);
        else _inputs.Resize(shape);
        _inputs.Layout = x.Layout;
        var src = x.Data;
        var dst = _inputs.Data;
        int block = (int)(count * inner);
        for (long o = 0; o < outer; o++)
            src.Slice((int)((o * total + lo) * inner), block).CopyTo(dst.Slice((int)(o * block), block));
        return _inputs;
    }
}
