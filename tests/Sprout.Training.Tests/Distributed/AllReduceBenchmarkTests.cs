// AllReduceBenchmark: the latency/bandwidth fit recovers a known line, and a run on thread ranks reports one
// point per size with bytes = 4 × floats and ordered statistics.
using Sprout.Training.Distributed;

namespace Sprout.Training.Tests.Distributed;

public class AllReduceBenchmarkTests
{
    [Fact]
    public void Fit_RecoversLatencyAndBandwidth()
    {
        // 20 µs + bytes / (2000 bytes/µs)
        var points = new[] { 1_000L, 100_000L, 1_000_000L }.Select(b => new AllReduceBenchmark.Point(b, 20 + b / 2000.0, 0)).ToArray();
        var (latency, bandwidth) = AllReduceBenchmark.Fit(points);
        Assert.Equal(20, latency, 6);
        Assert.Equal(2000, bandwidth, 3);
        Assert.Throws<ArgumentException>(() => AllReduceBenchmark.Fit([points[0], points[0]]));
    }

    [Fact]
    public void Run_ReportsEverySize()
    {
        IReadOnlyList<AllReduceBenchmark.Point> result = [];
        ThreadCommunicator.Run(2, comm =>
        {
            var points = AllReduceBenchmark.Run(comm, [3, 500], rounds: 5);
            if (comm.Rank == 0) result = points;
        });
        Assert.Equal([12L, 2000L], result.Select(p => p.Bytes));
        Assert.All(result, p => Assert.InRange(p.MinMicroseconds, 0, p.MedianMicroseconds));
        Assert.Throws<ArgumentException>(() => AllReduceBenchmark.Run(new ReductionTests.SingleRank(), [0]));
    }
}
