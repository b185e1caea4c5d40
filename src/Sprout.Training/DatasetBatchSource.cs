// DatasetBatchSource: batches of an in-memory Sprout.Data Dataset as an IBatchSource. Inputs are
// [batch, C, H, W] copies into one preallocated tensor; the shuffle order of epoch e is derived from
// (seed, e) alone, which is what makes resume-at-epoch bit-exact. It copies samples; it does not read,
// augment or normalize (Sprout.Data does that once, up front).
using Sprout.Core;
using Sprout.Data;

namespace Sprout.Training;

/// <summary>Mini-batches over a <see cref="Dataset"/>.</summary>
public sealed class DatasetBatchSource : IBatchSource
{
    private readonly Dataset _data;
    private readonly int _batchSize;
    private readonly bool _shuffle;
    private readonly ulong _seed;
    private readonly int[] _order;
    private readonly Tensor _inputs;
    private readonly int[] _labels;
    private readonly int[] _shape;
    private int _position;

    /// <summary>Creates a source; <paramref name="shuffle"/> reorders each epoch from (<paramref name="seed"/>, epoch).</summary>
    public DatasetBatchSource(Dataset data, int batchSize, bool shuffle, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _data = data;
        _batchSize = Math.Min(batchSize, Math.Max(data.Count, 1));
        _shuffle = shuffle;
        _seed = seed;
        _order = new int[data.Count];
        var image = data.ImageShape;
        _shape = [_batchSize, image.Channels, image.Height, image.Width];
        _inputs = new Tensor(_shape);
        _labels = new int[_batchSize];
        Reset(0);
    }

    /// <inheritdoc/>
    public int SampleCount => _data.Count;

    /// <inheritdoc/>
    public int BatchesPerEpoch => (_data.Count + _batchSize - 1) / _batchSize;

    /// <inheritdoc/>
    public void Reset(int epoch)
    {
        _position = 0;
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (_shuffle) Rng.Derive(_seed, "train.shuffle." + epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)).Shuffle(_order.AsSpan());
    }

    /// <inheritdoc/>
    public bool Next(out Tensor inputs, out int[] labels, out int count)
    {
        inputs = _inputs;
        labels = _labels;
        count = Math.Min(_batchSize, _order.Length - _position);
        if (count <= 0) return false;
        _shape[0] = count;
        _inputs.Reshape(_shape);
        int size = _data.SampleSize;
        Span<float> dst = _inputs.Data;
        for (int r = 0; r < count; r++)
        {
            int i = _order[_position + r];
            _data.Sample(i).CopyTo(dst.Slice(r * size, size));
            _labels[r] = _data.Labels[i];
        }
        _position += count;
        return true;
    }
}
