// ShardedBatchSource: the ranks' shards of a global batch are contiguous, in rank order, cover it exactly (also
// for an uneven last batch and for feature-major [C, B, …] tensors), and record their share for the weighting.
using Sprout.Core;
using Sprout.Training.Distributed;

namespace Sprout.Training.Tests.Distributed;

public class ShardedBatchSourceTests
{
    private sealed class Fixed(Tensor x, int[] labels) : IBatchSource
    {
        private bool _done;
        public int BatchesPerEpoch => 1;
        public void Reset(int epoch) => _done = false;
        public bool Next(out Tensor inputs, out int[] l, out int count)
        {
            (inputs, l, count) = (x, labels, labels.Length);
            if (_done) return false;
            _done = true;
            return true;
        }
    }

    [Theory]
    [InlineData(Layout.BatchMajor, 10, 3)]
    [InlineData(Layout.BatchMajor, 7, 7)]
    [InlineData(Layout.FeatureMajor, 11, 2)]
    public void Shards_CoverTheGlobalBatchInRankOrder(Layout layout, int batch, int ranks)
    {
        const int channels = 3, pixels = 4;
        int[] shape = layout == Layout.FeatureMajor ? [channels, batch, pixels] : [batch, channels, pixels];
        var x = new Tensor(shape) { Layout = layout };
        for (int i = 0; i < x.Size; i++) x.Data[i] = i;
        var labels = Enumerable.Range(100, batch).ToArray();
        var seenLabels = new List<int>();
        var seenInputs = new List<float>[channels];
        for (int c = 0; c < channels; c++) seenInputs[c] = [];
        float share = 0;
        for (int r = 0; r < ranks; r++)
        {
            var source = new ShardedBatchSource(new Fixed(x, labels), r, ranks, new BatchShare());
            source.Reset(1);
            Assert.True(source.Next(out var xs, out var ys, out int n));
            Assert.Equal(source.Share.Offset, seenLabels.Count);
            Assert.Equal(n, source.Share.Local);
            Assert.Equal(batch, source.Share.Global);
            Assert.InRange(n, batch / ranks, batch / ranks + 1);
            Assert.Equal(layout, xs.Layout);
            seenLabels.AddRange(ys.AsSpan(0, n).ToArray());
            share += source.Share.Weight;
            for (int c = 0; c < channels; c++)
                for (int b = 0; b < n; b++)
                    for (int p = 0; p < pixels; p++)
                        seenInputs[c].Add(layout == Layout.FeatureMajor ? xs.Data[(c * n + b) * pixels + p] : xs.Data[(b * channels + c) * pixels + p]);
            Assert.False(source.Next(out _, out _, out _));
        }
        Assert.Equal(labels, seenLabels);
        Assert.Equal(1f, share, 5);
        for (int c = 0; c < channels; c++)
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < pixels; p++)
                {
                    int flat = layout == Layout.FeatureMajor ? (c * batch + b) * pixels + p : (b * channels + c) * pixels + p;
                    Assert.Equal(flat, seenInputs[c][b * pixels + p]);
                }
    }

    [Fact]
    public void BatchSmallerThanWorld_IsRejected()
    {
        var source = new ShardedBatchSource(new Fixed(new Tensor(2, 3), [0, 1]), 0, 3, new BatchShare());
        source.Reset(1);
        var e = Assert.Throws<InvalidOperationException>(() => source.Next(out _, out _, out _));
        Assert.Contains("3 ranks", e.Message);
    }

    [Fact]
    public void RankOutsideWorld_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardedBatchSource(new Fixed(new Tensor(2, 3), [0, 1]), 2, 2, new BatchShare()));
}
