// Blobs: a tiny synthetic classification set (Gaussian clusters) as an IBatchSource, so trainer tests
// run in milliseconds without any dataset. Shuffling is a function of (seed, epoch) as the interface asks.
using Sprout.Core;

namespace Sprout.Training.Tests;

internal sealed class Blobs : IBatchSource
{
    private readonly float[] _x;
    private readonly int[] _y;
    private readonly int[] _order;
    private readonly Tensor _batch;
    private readonly int[] _labels;
    private readonly int _features, _batchSize;
    private readonly ulong _seed;
    private readonly bool _shuffle;
    private int _position;

    public Blobs(int samples = 240, int features = 8, int classes = 3, int batchSize = 32, ulong seed = 1, bool shuffle = true, float spread = 0.6f)
    {
        var rng = new Rng(seed);
        var centers = new float[classes * features];
        rng.FillNormal(centers, 0f, 1.5f);
        (_x, _y) = (new float[samples * features], new int[samples]);
        for (int i = 0; i < samples; i++)
        {
            int c = i % classes;
            _y[i] = c;
            for (int f = 0; f < features; f++) _x[i * features + f] = centers[c * features + f] + spread * rng.Normal();
        }
        (_features, _batchSize, _seed, _shuffle) = (features, batchSize, seed, shuffle);
        _order = Enumerable.Range(0, samples).ToArray();
        _batch = new Tensor(batchSize, features);
        _labels = new int[batchSize];
        Classes = classes;
    }

    public int Classes { get; }
    public int Features => _features;
    public int BatchesPerEpoch => (_y.Length + _batchSize - 1) / _batchSize;

    /// <summary>When set, the batch with this index (0-based, per epoch) gets a NaN input.</summary>
    public int PoisonBatch { get; set; } = -1;

    public void Reset(int epoch)
    {
        _position = 0;
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (_shuffle) Rng.Derive(_seed, $"shuffle/{epoch}").Shuffle(_order.AsSpan());
    }

    public bool Next(out Tensor inputs, out int[] labels, out int count)
    {
        (inputs, labels) = (_batch, _labels);
        count = Math.Min(_batchSize, _y.Length - _position);
        if (count <= 0) return false;
        _batch.Reshape(count, _features);
        for (int r = 0; r < count; r++)
        {
            int i = _order[_position + r];
            _x.AsSpan(i * _features, _features).CopyTo(_batch.Data.Slice(r * _features, _features));
            _labels[r] = _y[i];
        }
        if (_position / _batchSize == PoisonBatch) _batch.Data[0] = float.NaN;
        _position += count;
        return true;
    }
}
