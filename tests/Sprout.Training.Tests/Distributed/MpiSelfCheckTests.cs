// MpiSelfCheck: every collective passes on correct thread ranks of several sizes, and a communicator that gets a
// reduction wrong is caught and named.
using Sprout.Training.Distributed;

namespace Sprout.Training.Tests.Distributed;

public class MpiSelfCheckTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void CorrectCollectives_Pass(int ranks)
    {
        var failures = new IReadOnlyList<string>[ranks];
        ThreadCommunicator.Run(ranks, comm => failures[comm.Rank] = MpiSelfCheck.Run(comm));
        Assert.All(failures, Assert.Empty);
    }

    [Fact]
    public void AWrongMaximum_IsReported()
    {
        var failures = MpiSelfCheck.Run(new MaxIsSum(new ReductionTests.SingleRank()));
        Assert.Contains(failures, f => f.Contains("float max"));
    }

    /// <summary>A single rank whose float MAX adds 1: a broken binding in miniature.</summary>
    private sealed class MaxIsSum(ICommunicator inner) : ICommunicator
    {
        public int Rank => inner.Rank;
        public int Size => inner.Size;
        public void AllReduce(Span<float> values, ReduceOp op = ReduceOp.Sum)
        {
            if (op == ReduceOp.Max) values[0] += 1;
        }
        public void AllReduce(Span<double> values, ReduceOp op = ReduceOp.Sum) => inner.AllReduce(values, op);
        public void AllReduce(Span<long> values, ReduceOp op = ReduceOp.Sum) => inner.AllReduce(values, op);
        public void AllGather(ReadOnlySpan<float> send, Span<float> receive) => inner.AllGather(send, receive);
        public void Broadcast(Span<float> values, int root = 0) => inner.Broadcast(values, root);
        public void Broadcast(Span<byte> values, int root = 0) => inner.Broadcast(values, root);
        public void Barrier() => inner.Barrier();
    }
}
