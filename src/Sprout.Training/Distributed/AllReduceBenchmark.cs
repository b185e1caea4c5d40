// AllReduceBenchmark: times SumReducer.Sum on buffers of several sizes across the ranks of a communicator, so that
// docs/distributed.md's communication-cost model (time = latency + bytes / bandwidth) can be fitted on the machine
// at hand and checked against the reduction times that training runs report. Sizes are measured round-robin, one
// reduction each per round after a barrier, so that all sizes see the same (shared, noisy) machine; the median
// over rounds is reported, with the mean and 90th percentile: with busyMicroseconds of computation before each
// barrier (a training step's shape), a loaded machine shows its cost as a heavy tail of ranks descheduled
// between compute and reduction, not as a slower median. Every rank must call Run with the same arguments.
using System.Diagnostics;

namespace Sprout.Training.Distributed;

/// <summary>Median time of an all-reduce (sum) of float buffers, per buffer size.</summary>
public static class AllReduceBenchmark
{
    /// <summary>One size's result: bytes per rank and the median, minimum, mean and 90th-percentile time in microseconds.</summary>
    public readonly record struct Point(long Bytes, double MedianMicroseconds, double MinMicroseconds, double MeanMicroseconds = 0, double P90Microseconds = 0);

    /// <summary>
    /// Measures <paramref name="rounds"/> reductions of each of <paramref name="floats"/> sizes (after 3 warm-up rounds),
    /// each after <paramref name="busyMicroseconds"/> of arithmetic and a barrier.
    /// </summary>
    /// <exception cref="ArgumentException">No sizes, a size below 1, fewer than 1 round or a negative busy time.</exception>
    public static IReadOnlyList<Point> Run(ICommunicator communicator, IReadOnlyList<int> floats, int rounds = 50, bool deterministic = false,
        double busyMicroseconds = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(busyMicroseconds);
        ArgumentNullException.ThrowIfNull(communicator);
        if (floats.Count == 0 || floats.Any(n => n < 1)) throw new ArgumentException("Give at least one buffer size, each of at least 1 float.", nameof(floats));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        var reducer = new SumReducer(communicator, deterministic);
        var buffers = floats.Select(n => new float[n]).ToArray();
        var times = floats.Select(_ => new double[rounds]).ToArray();
        for (int round = -3; round < rounds; round++)
            for (int i = 0; i < buffers.Length; i++)
            {
                buffers[i].AsSpan().Fill(communicator.Rank + 1); // fresh values: no rank sums its own last result
                Busy(busyMicroseconds);
                communicator.Barrier();
                long start = Stopwatch.GetTimestamp();
                reducer.Sum(buffers[i]);
                if (round >= 0) times[i][round] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        return floats.Select((n, i) =>
        {
            Array.Sort(times[i]);
            return new Point(4L * n, times[i][rounds / 2], times[i][0], times[i].Average(), times[i][Math.Min(rounds - 1, rounds * 9 / 10)]);
        }).ToArray();
    }

    // Stands in for a training step's computation: the CPU stays busy, so a loaded scheduler may preempt the rank.
    private static double Busy(double microseconds)
    {
        double x = 0;
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start).TotalMicroseconds < microseconds) x += Math.Sqrt(x + 1);
        return x;
    }

    /// <summary>Least-squares fit time = latency + bytes / bandwidth over the points' medians: (latency µs, bandwidth bytes/µs).</summary>
    /// <exception cref="ArgumentException">Fewer than two distinct sizes.</exception>
    public static (double LatencyMicroseconds, double BytesPerMicrosecond) Fit(IReadOnlyList<Point> points)
    {
        if (points.Select(p => p.Bytes).Distinct().Count() < 2) throw new ArgumentException("A line needs at least two distinct sizes.", nameof(points));
        double mx = points.Average(p => (double)p.Bytes), my = points.Average(p => p.MedianMicroseconds);
        double sxy = points.Sum(p => (p.Bytes - mx) * (p.MedianMicroseconds - my)), sxx = points.Sum(p => (p.Bytes - mx) * (p.Bytes - mx));
        double slope = sxy / sxx;
        return (my - slope * mx, slope > 0 ? 1 / slope : double.PositiveInfinity);
    }
}
