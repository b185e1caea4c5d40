// DataLoader: coverage and order per epoch, seeded determinism, drop-last and the short last batch,
// flattening, zero allocation in steady state, and the augmentation's crop/flip/pad semantics.
using Sprout.Core;

namespace Sprout.Data.Tests;

public class DataLoaderTests
{
    /// <summary>Sample i has every value equal to i, so a batch row reveals which sample it holds.</summary>
    private static Dataset Numbered(int count, int classes = 5) => DatasetTests.Make(count, channels: 1, classes: classes);

    private static List<int> Visit(DataLoader loader, int epoch)
    {
        var seen = new List<int>();
        foreach (Batch batch in loader.GetEpoch(epoch))
        {
            for (int b = 0; b < batch.Count; b++)
            {
                int id = (int)batch.Inputs.Data[b * loader.Dataset.SampleSize];
                Assert.Equal(id % loader.Dataset.ClassCount, batch.Labels[b]);
                seen.Add(id);
            }
        }
        return seen;
    }

    [Fact]
    public void EveryEpochVisitsEverySampleOnceWithMatchingLabels()
    {
        var loader = new DataLoader(Numbered(23), new DataLoaderOptions { BatchSize = 5, Seed = 3 });
        Assert.Equal(5, loader.BatchesPerEpoch);
        for (int epoch = 0; epoch < 3; epoch++)
            Assert.Equal(Enumerable.Range(0, 23), Visit(loader, epoch).Order());
    }

    [Fact]
    public void WithoutShuffleTheOrderIsTheDatasetOrder()
    {
        var loader = new DataLoader(Numbered(7), new DataLoaderOptions { BatchSize = 3, Shuffle = false });
        Assert.Equal(Enumerable.Range(0, 7), Visit(loader, 0));
    }

    [Fact]
    public void SameSeedSameOrderAndEachEpochDependsOnlyOnSeedAndEpoch()
    {
        var options = new DataLoaderOptions { BatchSize = 8, Seed = 42 };
        var a = new DataLoader(Numbered(50), options);
        var b = new DataLoader(Numbered(50), options);
        List<int> a0 = Visit(a, 0), a1 = Visit(a, 1), a2 = Visit(a, 2);
        Assert.Equal(a2, Visit(b, 2));          // b never ran epochs 0 and 1
        Assert.Equal(a0, Visit(b, 0));
        Assert.NotEqual(a0, a1);
        Assert.NotEqual(a0, Visit(new DataLoader(Numbered(50), options with { Seed = 43 }), 0));
    }

    [Fact]
    public void LastShortBatchReshapesTheSameTensorAndNextEpochRestoresIt()
    {
        var loader = new DataLoader(Numbered(10), new DataLoaderOptions { BatchSize = 4 });
        float[] storage = loader.Inputs.Storage;
        var sizes = new List<int>();
        foreach (Batch batch in loader.GetEpoch(0))
        {
            sizes.Add(batch.Inputs.Dim(0));
            Assert.Equal(batch.Count, batch.Labels.Length);
            Assert.Same(storage, batch.Inputs.Storage);
        }
        Assert.Equal([4, 4, 2], sizes);
        loader.StartEpoch(1);
        Assert.True(loader.MoveNext());
        Assert.True(loader.Inputs.HasShape([4, 1, 2, 2]));
    }

    [Fact]
    public void DropLastSkipsTheShortBatch()
    {
        var loader = new DataLoader(Numbered(10), new DataLoaderOptions { BatchSize = 4, DropLast = true });
        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal(8, Visit(loader, 0).Distinct().Count());
    }

    [Fact]
    public void FlattenGivesBatchByFeatures()
    {
        var loader = new DataLoader(Numbered(5), new DataLoaderOptions { BatchSize = 2, Flatten = true, Shuffle = false });
        Assert.True(loader.MoveNext());
        Assert.True(loader.Inputs.HasShape([2, 4]));
        Assert.Equal([1f, 1f, 1f, 1f], loader.Inputs.Data[4..8].ToArray());
        Assert.True(loader.MoveNext() && loader.MoveNext());
        Assert.True(loader.Inputs.HasShape([1, 4]));
        Assert.False(loader.MoveNext());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void SteadyStateIterationAllocatesNothing(bool augment, bool bytes)
    {
        Dataset data = DatasetTests.Make(300, channels: 3, classes: 10, height: 8, width: 8);
        if (bytes) data = new Dataset("bytes", new byte[300 * data.SampleSize], data.ImageShape, data.Labels, data.ClassCount);
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 32, Seed = 1, Augmentation = augment ? new Augmentation(2) : null });
        for (int warm = 0; warm < 2; warm++) foreach (Batch _ in loader.GetEpoch(warm)) { }

        loader.StartEpoch(5);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int batches = 0;
        while (loader.MoveNext()) batches++;
        long during = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10, batches);
        Assert.Equal(0, during);

        // A whole epoch through foreach costs only its generators.
        before = GC.GetAllocatedBytesForCurrentThread();
        foreach (Batch _ in loader.GetEpoch(6)) { }
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 256);
    }

    [Fact]
    public void AugmentedEpochsDependOnlyOnSeedAndEpoch()
    {
        Dataset data = DatasetTests.Make(50, channels: 3, classes: 10, height: 8, width: 8);
        float[] Epoch(ulong seed, int epoch, DataLoader? reuse = null)
        {
            var loader = reuse ?? new DataLoader(data, new DataLoaderOptions { BatchSize = 16, Seed = seed, Augmentation = Augmentation.Cifar });
            var all = new List<float>();
            foreach (Batch b in loader.GetEpoch(epoch)) all.AddRange(b.Inputs.ToArray());
            return [.. all];
        }
        var shared = new DataLoader(data, new DataLoaderOptions { BatchSize = 16, Seed = 4, Augmentation = Augmentation.Cifar });
        Epoch(4, 0, shared);                                 // an earlier epoch on the same loader changes nothing
        Assert.Equal(Epoch(4, 3), Epoch(4, 3, shared));
        Assert.NotEqual(Epoch(4, 3), Epoch(4, 4));
        Assert.NotEqual(Epoch(4, 3), Epoch(5, 3));
    }

    [Fact]
    public void AugmentationWithNothingToDoIsTheIdentity()
    {
        Dataset data = DatasetTests.Make(6, channels: 2);
        var plain = new DataLoader(data, new DataLoaderOptions { BatchSize = 6, Seed = 9 });
        var noop = new DataLoader(data, new DataLoaderOptions { BatchSize = 6, Seed = 9, Augmentation = new Augmentation(0, false) });
        plain.MoveNext();
        noop.MoveNext();
        Assert.Equal(plain.Inputs.ToArray(), noop.Inputs.ToArray());
    }

    [Fact]
    public void AugmentedImagesAreShiftedFlippedCopiesOfTheirSource()
    {
        // Distinct values per pixel so a shift/flip can be recognized; one channel, 6x5 images.
        const int h = 6, w = 5, pad = 2;
        var features = new Tensor(40, 1, h, w);
        for (int i = 0; i < features.Size; i++) features[i] = 1 + i;
        var data = new Dataset("img", features, new int[40], 1);
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 40, Shuffle = false, Seed = 5, Augmentation = new Augmentation(pad) });
        loader.MoveNext();

        int flipped = 0, shifted = 0;
        for (int n = 0; n < 40; n++)
        {
            ReadOnlySpan<float> source = data.Sample(n), output = loader.Inputs.Data.Slice(n * h * w, h * w);
            var matches = new List<(int Dy, int Dx, bool Flip)>();
            for (int dy = -pad; dy <= pad; dy++)
                for (int dx = -pad; dx <= pad; dx++)
                    foreach (bool flip in new[] { false, true })
                        if (Matches(source, output, h, w, dy, dx, flip)) matches.Add((dy, dx, flip));
            Assert.NotEmpty(matches);
            if (matches.All(m => m.Flip)) flipped++;
            if (matches.All(m => m.Dy != 0 || m.Dx != 0)) shifted++;
        }
        Assert.InRange(flipped, 8, 32);
        Assert.InRange(shifted, 25, 40);
    }

    [Fact]
    public void PaddingIsBlackInPixelSpaceOnNormalizedData()
    {
        var features = new Tensor(30, 1, 4, 4);
        features.Data.Fill(1f);
        var data = new Dataset("ones", features, new int[30], 1);
        data.Normalize(new ChannelNormalization([0.5f], [0.25f]));   // 1 → 2, black (0) → −2
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 30, Seed = 2, Augmentation = new Augmentation(4, false) });
        loader.MoveNext();
        float[] values = loader.Inputs.ToArray();
        Assert.All(values, v => Assert.True(v == 2f || v == -2f));
        Assert.Contains(-2f, values);
        Assert.Contains(2f, values);
    }

    [Fact]
    public void RejectsBadOptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbered(3), new DataLoaderOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbered(3), new DataLoaderOptions { Augmentation = new Augmentation(-1) }));
    }

    private static bool Matches(ReadOnlySpan<float> source, ReadOnlySpan<float> output, int h, int w, int dy, int dx, bool flip)
    {
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
                float expected = sy >= 0 && sy < h && sx >= 0 && sx < w ? source[sy * w + sx] : 0f;
                if (output[y * w + x] != expected) return false;
            }
        }
        return true;
    }
}
