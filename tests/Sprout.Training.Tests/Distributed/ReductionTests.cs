// The gradient slab and the sum reducer: sums over ranks land in every rank's gradients, weighted by each rank's
// share; buckets and the plan follow the parameters' lengths; the deterministic mode is the rank-order sum,
// bit-identical on every rank; a steady-state reduction allocates nothing.
using Sprout.Core;
using Sprout.TestSupport;
using Sprout.Training.Distributed;

namespace Sprout.Training.Tests.Distributed;

public class ReductionTests
{
    private static Tensor[] Parameters(int rank, params int[] sizes) => sizes.Select((n, i) =>
    {
        var t = new Tensor(n) { RequiresGrad = true };
        for (int k = 0; k < n; k++) t.Grad[k] = (rank + 1) * 100 + i * 10 + k * 0.5f;
        return t;
    }).ToArray();

    [Theory]
    [InlineData(1, 7)]
    [InlineData(3, 7)]      // many buckets, some straddling parameters
    [InlineData(3, 1 << 20)] // one bucket
    public void Slab_SumsScaledGradientsIntoEveryRank(int ranks, int bucket)
    {
        var results = new float[ranks][][];
        var extras = new float[ranks];
        ThreadCommunicator.Run(ranks, comm =>
        {
            var ps = Parameters(comm.Rank, 5, 1, 12);
            var slab = new GradientSlab(ps, bucket, extraSlots: 1);
            slab.Reduce(new SumReducer(comm), 0.5f, [comm.Rank + 1f]);
            results[comm.Rank] = ps.Select(p => p.Grad.ToArray()).ToArray();
            extras[comm.Rank] = slab.Extras[0];
            Assert.Equal(18, slab.GradientElements);
            Assert.Equal((19 + bucket - 1) / bucket, slab.Buckets);
        });
        for (int r = 0; r < ranks; r++)
        {
            Assert.Equal(ranks * (ranks + 1) / 2f, extras[r]);
            for (int i = 0; i < 3; i++)
                for (int k = 0; k < results[r][i].Length; k++)
                {
                    float expected = 0;
                    for (int q = 0; q < ranks; q++) expected += 0.5f * ((q + 1) * 100 + i * 10 + k * 0.5f);
                    Assert.Equal(expected, results[r][i][k], 3);
                }
        }
    }

    [Fact]
    public void Slab_ReplansOnlyWhenALengthChanges()
    {
        var ps = Parameters(0, 4, 6);
        var slab = new GradientSlab(ps, 3);
        var reducer = new SumReducer(new SingleRank());
        slab.Reduce(reducer, 1f);
        slab.Reduce(reducer, 1f);
        Assert.Equal(1, slab.Plans);
        ps[0].Resize([9]); // a sparse layer that gained budget
        ps[1].Reshape(2);  // and one that lost it
        ps[0].Grad.Fill(1f);
        slab.Reduce(reducer, 2f);
        Assert.Equal(2, slab.Plans);
        Assert.Equal(11, slab.GradientElements);
        Assert.All(ps[0].Grad.ToArray(), g => Assert.Equal(2f, g));
    }

    [Fact]
    public void Slab_SteadyStateAllocatesNothing()
    {
        var ps = Parameters(0, 300, 10, 1000);
        var slab = new GradientSlab(ps, 256, extraSlots: 2);
        var reducer = new SumReducer(new SingleRank());
        float[] extras = [1f, 0f];
        Assert.Equal(0, Allocations.OnceSettled(() => slab.Reduce(reducer, 0.25f, extras)));
    }

    [Fact]
    public void Slab_RejectsWrongExtras()
    {
        var slab = new GradientSlab(Parameters(0, 3), 8, extraSlots: 2);
        Assert.Throws<ArgumentException>(() => slab.Reduce(new SumReducer(new SingleRank()), 1f, [1f]));
    }

    [Fact]
    public void Deterministic_IsTheRankOrderSumOnEveryRank()
    {
        const int ranks = 3, n = 257;
        var sums = new float[ranks][];
        var inputs = Enumerable.Range(0, ranks).Select(r =>
        {
            var v = new float[n];
            new Rng((ulong)r + 5).FillNormal(v, 0f, 1e3f);
            return v;
        }).ToArray();
        ThreadCommunicator.Run(ranks, comm =>
        {
            var v = (float[])inputs[comm.Rank].Clone();
            var reducer = new SumReducer(comm, deterministic: true);
            reducer.Sum(v);
            sums[comm.Rank] = v;
            Assert.Equal(n, reducer.ElementsReduced);
        });
        for (int i = 0; i < n; i++)
        {
            float expected = inputs[0][i] + inputs[1][i] + inputs[2][i]; // left to right: rank order
            for (int r = 0; r < ranks; r++) Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(sums[r][i]));
        }
    }

    /// <summary>A world of one: collectives return their input.</summary>
    internal sealed class SingleRank : ICommunicator
    {
        public int Rank => 0;
        public int Size => 1;
        public void AllReduce(Span<float> values, ReduceOp op = ReduceOp.Sum) { }
        public void AllReduce(Span<double> values, ReduceOp op = ReduceOp.Sum) { }
        public void AllReduce(Span<long> values, ReduceOp op = ReduceOp.Sum) { }
        public void AllGather(ReadOnlySpan<float> send, Span<float> receive) => send.CopyTo(receive);
        public void Broadcast(Span<float> values, int root = 0) { }
        public void Broadcast(Span<byte> values, int root = 0) { }
        public void Barrier() { }
    }
}
