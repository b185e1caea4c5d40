// DataLoader with large batches, whose copy is split over the kernel threads: every row is one whole sample, the
// epoch's batches do not depend on the thread count, and a warm batch allocates nothing. These tests change the global
// Parallelism.Threads, so they run alone.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Data.Tests;

/// <summary>Tests that change Parallelism.Threads or measure allocation run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadsCollection
{
    public const string Name = "Threads";
}

[Collection(ThreadsCollection.Name)]
public sealed class DataLoaderPartsTests
{
    [Fact]
    public void LargeBatchesCopiedInPartsHoldWholeSamplesWhateverTheThreadCount()
    {
        // 128 samples of 28×28 floats (400 KB) are copied in several parts, one per kernel thread or more.
        var data = DatasetTests.Make(300, channels: 1, classes: 7, height: 28, width: 28);
        var batches = new List<float[]>();
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 128, Seed = 5, Flatten = true });
                var all = new List<float>();
                foreach (Batch batch in loader.GetEpoch(2))
                {
                    for (int b = 0; b < batch.Count; b++)
                    {
                        var row = batch.Inputs.Data.Slice(b * data.SampleSize, data.SampleSize);
                        Assert.True(row.IndexOfAnyExcept(row[0]) < 0, $"row {b} mixes samples");
                        Assert.Equal((int)row[0] % 7, batch.Labels[b]);
                    }
                    all.AddRange(batch.Inputs.Data[..(batch.Count * data.SampleSize)].ToArray());
                }
                Assert.Equal(Enumerable.Range(0, 300), all.Where((_, i) => i % data.SampleSize == 0).Select(v => (int)v).Order());
                batches.Add([.. all]);
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
        Assert.Equal(batches[0], batches[1]);
        Assert.Equal(batches[0], batches[2]);
    }

    [Fact]
    public void WarmLargeBatchesAllocateNothing()
    {
        var data = DatasetTests.Make(600, channels: 1, classes: 3, height: 28, width: 28);
        var loader = new DataLoader(data, new DataLoaderOptions { BatchSize = 128, Seed = 1, Flatten = true, DropLast = true });
        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 2;
            loader.StartEpoch(0); // starting an epoch allocates its generators; batches must not
            Assert.Equal(0, Allocations.OnceSettled(() =>
            {
                if (!loader.MoveNext())
                {
                    loader.StartEpoch(0);
                    loader.MoveNext();
                }
            }, calls: 3));
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}
