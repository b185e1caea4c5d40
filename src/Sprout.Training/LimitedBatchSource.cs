// LimitedBatchSource: the first N batches of each pass of an inner source (PyTorch Lightning's limit_train_batches /
// limit_val_batches as a count): a short run for smoke tests and memory or speed measurements that still goes through
// every part of a real one (shuffled, augmented batches, evaluation, checkpoints, summary). The inner source's order is
// unchanged, so a limited run sees a prefix of the batches the full run would see.
using Sprout.Core;

namespace Sprout.Training;

/// <summary>At most <see cref="Limit"/> batches per pass of an inner <see cref="IBatchSource"/>.</summary>
public sealed class LimitedBatchSource : IBatchSource
{
    private readonly IBatchSource _inner;
    private Tensor? _inputs;
    private int[] _labels = [];
    private int _taken;

    /// <summary>Limits <paramref name="inner"/> to <paramref name="limit"/> batches per pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is below 1.</exception>
    public LimitedBatchSource(IBatchSource inner, int limit)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>Most batches per pass.</summary>
    public int Limit { get; }

    /// <inheritdoc/>
    public int BatchesPerEpoch => Math.Min(Limit, _inner.BatchesPerEpoch);

    /// <inheritdoc/>
    public void Reset(int epoch)
    {
        _inner.Reset(epoch);
        _taken = 0;
    }

    /// <inheritdoc/>
    public bool Next(out Tensor inputs, out int[] labels, out int count)
    {
        if (_taken >= Limit)
        {
            // The inner source is not asked for (and does not fill) another batch; its last buffers come back empty.
            inputs = _inputs!;
            labels = _labels;
            count = 0;
            return false;
        }
        bool more = _inner.Next(out inputs, out labels, out count);
        (_inputs, _labels) = (inputs, labels);
        if (more) _taken++;
        return more;
    }

    /// <summary><paramref name="source"/> limited to <paramref name="limit"/> batches per pass, or itself when the limit is null.</summary>
    public static IBatchSource Wrap(IBatchSource source, int? limit) => limit is int n ? new LimitedBatchSource(source, n) : source;
}
