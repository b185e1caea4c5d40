// GemmBenchmark: measures the machine's FMA peak and Gemm.Multiply throughput, for `sprout bench gemm`.
// The peak is a tight loop of independent Vector512 (or narrower) FMAs on every thread, which is what a
// perfect GEMM would sustain; GEMM results are reported as a fraction of a peak measured in the same run,
// so a busy or throttled machine shifts both numbers together. Not a general benchmark harness
// (BenchmarkDotNet in bench/Sprout.Bench is), and it allocates freely.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sprout.Kernels.Diagnostics;

/// <summary>
/// One GEMM measurement: C[n×n] = A[n×n]·B[n×n] (2n³ flops) in <see cref="Seconds"/> (the best call).
/// <see cref="CoresUsed"/> is the process CPU time over the wall time of all timed calls: close to the thread
/// count when the cores were free, close to 1 when other processes held one of them.
/// </summary>
public sealed record GemmResult(
    [property: JsonPropertyName("n")] int N,
    [property: JsonPropertyName("gflops")] double Gflops,
    [property: JsonPropertyName("fraction_of_peak")] double FractionOfPeak,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("cores_used")] double CoresUsed);

/// <summary>
/// The `sprout bench gemm` report: peak and one result per size. <see cref="LoadAverage"/> is the 1-minute
/// load average when the run ended (Linux only, else null): above the core count, other processes shared the
/// cores, and long calls (n = 2048) suffer from it more than the short rounds of the peak measurement.
/// </summary>
public sealed record GemmReport(
    [property: JsonPropertyName("peak_gflops")] double PeakGflops,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("kernel")] string Kernel,
    [property: JsonPropertyName("load_average")] double? LoadAverage,
    [property: JsonPropertyName("results")] IReadOnlyList<GemmResult> Results)
{
    /// <summary>
    /// {"peak_gflops": x, "threads": t, "kernel": "...", "load_average": l,
    ///  "results": [{"n": 512, "gflops": y, "fraction_of_peak": z, "seconds": s, "cores_used": u}, …]}.
    /// </summary>
    public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = indented });
}

/// <summary>Peak-FMA and GEMM throughput measurements.</summary>
public static class GemmBenchmark
{
    /// <summary>The sizes of the standard report.</summary>
    public static readonly IReadOnlyList<int> DefaultSizes = [512, 1024, 2048];

    /// <summary>
    /// FMA peak in GFLOP/s: rounds in which each of <paramref name="threads"/> threads runs a fixed burst of
    /// independent-accumulator FMAs (about 5 ms), separated by barriers, for about <paramref name="duration"/>;
    /// flops = 2 · lanes · FMAs, divided by the round's wall time. Reports the best round, as <see cref="Measure"/>
    /// reports the best call, so both ignore the same kind of interference from other processes.
    /// </summary>
    public static double MeasureFmaPeakGflops(int threads, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        // Calibrate the burst to ~5 ms on one thread (after a JIT warm-up).
        FmaBurst(1 << 12);
        int iterations = 1 << 12;
        long t0 = Stopwatch.GetTimestamp();
        FmaBurst(iterations);
        double once = Math.Max(Stopwatch.GetElapsedTime(t0).TotalSeconds, 1e-7);
        iterations = (int)Math.Clamp(iterations * 0.005 / once, 1 << 10, 1 << 26);
        int rounds = Math.Max(3, (int)(duration.TotalSeconds / 0.005));

        long fmasPerRound = 0;
        double best = double.MaxValue;
        long roundStart = 0;
        using var barrier = new Barrier(threads);
        var helpers = new Thread[threads - 1];
        for (int t = 0; t < helpers.Length; t++)
        {
            helpers[t] = new Thread(() =>
            {
                for (int r = 0; r < rounds; r++)
                {
                    barrier.SignalAndWait();
                    FmaBurst(iterations);
                    barrier.SignalAndWait();
                }
            }) { IsBackground = true, Name = $"FMA peak {t + 1}" };
            helpers[t].Start();
        }
        for (int r = 0; r < rounds; r++)
        {
            barrier.SignalAndWait();
            roundStart = Stopwatch.GetTimestamp();
            fmasPerRound = FmaBurst(iterations) * threads;
            barrier.SignalAndWait();
            best = Math.Min(best, Stopwatch.GetElapsedTime(roundStart).TotalSeconds);
        }
        foreach (var h in helpers) h.Join();
        return 2.0 * fmasPerRound / best / 1e9;
    }

    /// <summary>
    /// Times C = A·B for n×n×n on <paramref name="threads"/> threads (sets <see cref="Parallelism.Threads"/> for the
    /// duration): one warm-up call, then at least <paramref name="reps"/> timed calls (more for n below 2048, up to 200, so
    /// each size takes a similar time); reports the best, since on a shared machine slower calls measure the
    /// interference, not the kernel. <paramref name="peakGflops"/>, when known, fills the fraction.
    /// </summary>
    public static GemmResult Measure(int n, int threads, int reps = 8, double peakGflops = double.NaN)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        var rng = new Random(1234);
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble() - 0.5f; b[i] = (float)rng.NextDouble() - 0.5f; }

        int saved = Parallelism.Threads;
        Parallelism.Threads = threads;
        try
        {
            Gemm.Multiply(a, b, c, n, n, n);
            double flop = 2.0 * n * n * n;
            int runs = Math.Max(reps, Math.Min(reps * (int)Math.Ceiling(8.6e9 / flop), 200));
            double best = double.MaxValue;
            using var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < runs; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Gemm.Multiply(a, b, c, n, n, n);
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
            process.Refresh();
            double cores = (process.TotalProcessorTime - cpu0).TotalSeconds / wall;
            double gflops = flop / best / 1e9;
            return new GemmResult(n, gflops, gflops / peakGflops, best, cores);
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    /// <summary>
    /// The full report: FMA peak, then <see cref="Measure"/> for each size (default 512, 1024, 2048) on
    /// <paramref name="threads"/> threads (default 2), with fractions of that peak.
    /// </summary>
    public static GemmReport Run(int threads = 2, IReadOnlyList<int>? sizes = null, TimeSpan? peakDuration = null)
    {
        double peak = MeasureFmaPeakGflops(threads, peakDuration ?? TimeSpan.FromSeconds(0.5));
        var results = new List<GemmResult>();
        foreach (int n in sizes ?? DefaultSizes) results.Add(Measure(n, threads, peakGflops: peak));
        return new GemmReport(peak, threads, Gemm.KernelName, ReadLoadAverage(), results);
    }

    private static double? ReadLoadAverage()
    {
        try
        {
            if (!File.Exists("/proc/loadavg")) return null;
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, System.Globalization.CultureInfo.InvariantCulture, out double load) ? load : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="iterations"/> rounds of independent FMAs (widest accelerated vectors); returns lane-FMAs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long FmaBurst(int iterations)
    {
        if (Vector512.IsHardwareAccelerated) return Burst512(iterations);
        if (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported) return Burst256(iterations);
        // No FMA: chains of multiply-then-add. Only approximate for these fallback paths (the GEMM kernels' adds do
        // not wait on their multiplies, so they can beat it); it is exact for the FMA paths that matter.
        if (Vector128.IsHardwareAccelerated) return Burst128(iterations);
        float x0 = 1, x1 = 1, x2 = 1, x3 = 1, x4 = 1, x5 = 1, x6 = 1, x7 = 1;
        const float mul = 0.9999999f, add = 1e-7f;
        for (int i = 0; i < iterations; i++)
        {
            x0 = x0 * mul + add; x1 = x1 * mul + add; x2 = x2 * mul + add; x3 = x3 * mul + add;
            x4 = x4 * mul + add; x5 = x5 * mul + add; x6 = x6 * mul + add; x7 = x7 * mul + add;
        }
        Sink = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
        return 8L * iterations;
    }

    private static long Burst128(int iterations)
    {
        var mul = Vector128.Create(0.9999999f);
        var add = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = a0 * mul + add; a1 = a1 * mul + add; a2 = a2 * mul + add; a3 = a3 * mul + add;
            a4 = a4 * mul + add; a5 = a5 * mul + add; a6 = a6 * mul + add; a7 = a7 * mul + add;
        }
        Sink = Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
        return 8L * 4 * iterations;
    }

    private static long Burst512(int iterations)
    {
        // 12 chains: FMA latency (4–5 cycles) × 2 pipes needs at least 10 in flight.
        var mul = Vector512.Create(0.9999999f);
        var add = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                         a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, mul, add); a1 = Vector512.FusedMultiplyAdd(a1, mul, add);
            a2 = Vector512.FusedMultiplyAdd(a2, mul, add); a3 = Vector512.FusedMultiplyAdd(a3, mul, add);
            a4 = Vector512.FusedMultiplyAdd(a4, mul, add); a5 = Vector512.FusedMultiplyAdd(a5, mul, add);
            a6 = Vector512.FusedMultiplyAdd(a6, mul, add); a7 = Vector512.FusedMultiplyAdd(a7, mul, add);
            a8 = Vector512.FusedMultiplyAdd(a8, mul, add); a9 = Vector512.FusedMultiplyAdd(a9, mul, add);
            a10 = Vector512.FusedMultiplyAdd(a10, mul, add); a11 = Vector512.FusedMultiplyAdd(a11, mul, add);
        }
        Sink = Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        return 12L * 16 * iterations;
    }

    private static long Burst256(int iterations)
    {
        var mul = Vector256.Create(0.9999999f);
        var add = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                         a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, mul, add); a1 = Vector256.FusedMultiplyAdd(a1, mul, add);
            a2 = Vector256.FusedMultiplyAdd(a2, mul, add); a3 = Vector256.FusedMultiplyAdd(a3, mul, add);
            a4 = Vector256.FusedMultiplyAdd(a4, mul, add); a5 = Vector256.FusedMultiplyAdd(a5, mul, add);
            a6 = Vector256.FusedMultiplyAdd(a6, mul, add); a7 = Vector256.FusedMultiplyAdd(a7, mul, add);
            a8 = Vector256.FusedMultiplyAdd(a8, mul, add); a9 = Vector256.FusedMultiplyAdd(a9, mul, add);
            a10 = Vector256.FusedMultiplyAdd(a10, mul, add); a11 = Vector256.FusedMultiplyAdd(a11, mul, add);
        }
        Sink = Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        return 12L * 8 * iterations;
    }

    // Keeps the accumulators observable so the JIT cannot drop the loops.
    private static float Sink { get; set; }
}
