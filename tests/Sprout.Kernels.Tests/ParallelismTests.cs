// Parallelism: every index runs exactly once, nesting and exceptions behave, and a dispatch allocates nothing.
using Sprout.Kernels;

namespace Sprout.Kernels.Tests;

/// <summary>Tests that change Parallelism.Threads or measure allocation run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadsCollection
{
    public const string Name = "Threads";
}

[Collection(ThreadsCollection.Name)]
public sealed unsafe class ParallelismTests
{
    private readonly struct CountJob(int* counts) : IParallelJob
    {
        public void Execute(int index) => Interlocked.Increment(ref counts[index]);
    }

    private readonly struct NestedJob(int* counts, int inner) : IParallelJob
    {
        public void Execute(int index) => Parallelism.For(inner, new CountJob(counts + index * inner));
    }

    private readonly struct ThrowingJob : IParallelJob
    {
        public void Execute(int index)
        {
            if (index == 5) throw new InvalidOperationException("boom");
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 1000)]
    [InlineData(4, 37)]
    public void EveryIndexRunsExactlyOnce(int threads, int count)
    {
        int saved = Parallelism.Threads;
        Parallelism.Threads = threads;
        try
        {
            var counts = new int[count + 1];
            for (int round = 0; round < 20; round++)
            {
                fixed (int* p = counts) Parallelism.For(count, new CountJob(p));
            }
            for (int i = 0; i < count; i++) Assert.Equal(20, counts[i]);
            Assert.Equal(0, counts[count]);
        }
        finally { Parallelism.Threads = saved; }
    }

    [Fact]
    public void NestedDispatchRunsInline()
    {
        var counts = new int[8 * 16];
        fixed (int* p = counts) Parallelism.For(8, new NestedJob(p, 16));
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void ExceptionInAnyIndexIsRethrownAndPoolStaysUsable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Parallelism.For(64, new ThrowingJob()));
        Assert.Equal("boom", e.Message);
        var counts = new int[100];
        fixed (int* p = counts) Parallelism.For(100, new CountJob(p));
        Assert.All(counts, c => Assert.Equal(1, c));
    }

    [Fact]
    public void ThreadsRejectsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.Threads = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.Threads = 100_000);
    }

    [Fact]
    public void DispatchAllocatesNothingInSteadyState()
    {
        var counts = new int[256];
        fixed (int* p = counts)
        {
            Parallelism.For(256, new CountJob(p));   // warm-up: workers start, code is jitted
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) Parallelism.For(256, new CountJob(p));
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }
    }
}
