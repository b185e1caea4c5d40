// ConvSplitBench: how dense Conv2d's products split over the kernel threads. For each ResNet-20 3×3 layer shape and
// each product (forward, weight gradient, input gradient) it times, back to back in alternating order, one kernel
// thread and all of them (Parallelism.Threads), by wall time, best of the repetitions after a warm-up long enough
// for tier-1 code, and reports the speedup; on one thread also with and without ConvPanels' tap kernel. Then the
// whole Ops.Conv2d forward + backward (the `conv` figure). Process CPU time is not used: over calls of a few
// milliseconds it came out below the wall time of two busy threads, so it is too coarse here.
using System.Diagnostics;
using System.Globalization;
using Sprout.Kernels;
using Sprout.Kernels.Diagnostics;
using static Sprout.Bench.ConvBenchShared;

namespace Sprout.Bench;

/// <summary>Per-product wall and CPU time on 1 and N kernel threads: <c>conv-split [--reps N] [--batch N]</c>.</summary>
public static class ConvSplitBench
{
    /// <summary>Runs the benchmark.</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int reps = Option(args, "--reps", 5), batch = Option(args, "--batch", 128);
        int threads = Parallelism.Threads;
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}; batch {batch}; threads 1 vs {threads}");
        var layers = ConvBenchShared.ResNet20Layers;
        double peak1 = GemmBenchmark.MeasureFmaPeakGflops(1, TimeSpan.FromMilliseconds(300));
        double peakN = GemmBenchmark.MeasureFmaPeakGflops(threads, TimeSpan.FromMilliseconds(300));
        Console.WriteLine(string.Create(ci, $"FMA peak: 1 thread {peak1:0.0}, {threads} threads {peakN:0.0} GFLOP/s"));
        Console.WriteLine("layer              product   1T wall ms  frac1   NT wall ms  fracN  speedup");
        double flopsAll = 0, wall1All = 0, wallNAll = 0;
        foreach (var (cin, cout, stride, size, count) in layers)
        {
            var win = new Window2d(3, 3, stride, stride, 1, 1);
            int oh = win.OutputHeight(size), fanIn = cin * 9;
            var x = Random(cin * batch * size * size, 1);
            var w = Random(cout * fanIn, 2);
            var y = new float[cout * batch * oh * oh];
            var dy = Random(y.Length, 3);
            var (dx, dw) = (new float[x.Length], new float[w.Length]);
            double flops = 2.0 * cout * fanIn * batch * oh * oh;
            Action[] products =
            [
                () => ConvGemm.Forward(x, w, y, cout, cin, batch, size, size, win),
                () => ConvGemm.Backward(x, w, dy, [], dw, cout, cin, batch, size, size, win),
                () => ConvGemm.Backward(x, w, dy, dx, [], cout, cin, batch, size, size, win),
            ];
            string[] names = ["fwd", "dW", "dx"];
            // Tier-1 code before timing: every product 40 times on each thread count (the JIT's call counting needs 30).
            for (int r = 0; r < 40; r++)
                foreach (var p in products) { Parallelism.Threads = 1 + r % threads; p(); }
            Parallelism.Threads = threads;
            for (int q = 0; q < 3; q++)
            {
                if (q == 2 && cin == 3) continue;
                double w1 = double.MaxValue, wN = double.MaxValue;
                for (int r = 0; r <= reps; r++)
                    for (int k = 0; k < 2; k++)
                    {
                        bool one = (r + k) % 2 == 0;
                        Parallelism.Threads = one ? 1 : threads;
                        double wall = Time(products[q]);
                        Parallelism.Threads = threads;
                        if (r == 0) continue;
                        if (Environment.GetEnvironmentVariable("SPLIT_VERBOSE") is not null)
                            Console.WriteLine(string.Create(ci, $"    {(one ? 1 : threads)}T wall {wall * 1e3:0.00}"));
                        if (one) w1 = Math.Min(w1, wall);
                        else wN = Math.Min(wN, wall);
                    }
                flopsAll += count * flops; wall1All += count * w1; wallNAll += count * wN;
                // The same product on one thread without the tap kernel (panels filled for every group), alternating.
                double tOn = double.MaxValue, tOff = double.MaxValue;
                Parallelism.Threads = 1;
                for (int r = 0; r <= reps; r++)
                    for (int k = 0; k < 2; k++)
                    {
                        bool on = (r + k) % 2 == 0;
                        if (size == 8) ConvPanels.TapsOf8Enabled = on;   // 8-px planes: only the four-run kernel differs
                        else ConvPanels.TapsEnabled = on;
                        double wall = Time(products[q]);
                        if (r > 0 && on) tOn = Math.Min(tOn, wall);
                        else if (r > 0) tOff = Math.Min(tOff, wall);
                    }
                (ConvPanels.TapsEnabled, ConvPanels.TapsOf8Enabled) = (true, true);
                Parallelism.Threads = threads;
                Console.WriteLine(string.Create(ci,
                    $"{cin,2}→{cout,2} s{stride} {size,2}px x{count}  {names[q],-4}  {w1 * 1e3,9:0.00}  {flops / w1 / 1e9 / peak1,5:0.00}  {wN * 1e3,10:0.00}  {flops / wN / 1e9 / peakN,5:0.00}  {w1 / wN,6:0.00}×  1T taps on/off {tOn * 1e3:0.00}/{tOff * 1e3:0.00} ms"));
            }
        }
        Console.WriteLine(string.Create(ci,
            $"all 19 layers, products only: 1 thread {wall1All * 1e3:0.0} ms = {flopsAll / wall1All / 1e9 / peak1:0.000} of 1-thread peak; {threads} threads {wallNAll * 1e3:0.0} ms = {flopsAll / wallNAll / 1e9 / peakN:0.000} of {threads}-thread peak"));
        var ops = Sprout.Nn.Diagnostics.ConvNetBenchmark.Dense3x3(batch, reps);
        Console.WriteLine(string.Create(ci, $"Ops.Conv2d forward + backward (the `conv` figure): {Sprout.Nn.Diagnostics.ConvNetBenchmark.FractionOfPeak(ops, peakN):0.000} of {threads}-thread peak; per layer wall ms: {string.Join(", ", ops.Select(l => (l.Seconds * 1e3).ToString("0.00", ci)))}"));
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static double Time(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}
