// ConvBench: the conv-net speed of issue 9, measured in one process so every number is a ratio to something
// timed on the same machine state. (1)–(3) come from Sprout.Nn.Diagnostics.ConvNetBenchmark (also behind
// `sprout bench conv`): the FMA peak, Conv2d forward + backward over every 3×3 layer of ResNet-20 at batch 128 as a
// fraction of that peak (by wall and by CPU time, per layer here), and full ResNet-20 training steps (dense, and
// always-sparse at the --densities given, timed alternately). (4) A CIFAR-10 loader epoch (real data when found,
// else 50,000 synthetic images) with the standard augmentation and without, in dense ResNet-20 steps. The load
// average is printed before and after, because the machine is shared. With --json, the library's report object.
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Data;
using Sprout.Kernels;
using Sprout.Nn.Diagnostics;
using static Sprout.Bench.BenchCommon;

namespace Sprout.Bench;

/// <summary>The conv-net benchmark (see the file header).</summary>
public static class ConvBench
{
    private const int Batch = 128;

    /// <summary>Runs the benchmark: <c>[--json] [--steps N] [--reps N] [--densities D,D]</c>.</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        bool json = args.Contains("--json");
        int steps = Option(args, "--steps", 8), reps = Option(args, "--reps", 3);
        int at = Array.IndexOf(args, "--densities");
        double[] densities = at >= 0 && at + 1 < args.Length ? args[at + 1].Split(',').Select(d => double.Parse(d, ci)).ToArray() : [1.0];
        var options = new ConvBenchOptions { Models = ["resnet20"], Densities = densities, Steps = steps, ConvRepetitions = reps, WarmupSteps = 2 };
        var report = ConvNetBenchmark.Run(options, json ? null : Console.WriteLine);
        double peak = report.PeakGflops;
        double flops = report.Layers.Sum(l => l.Flops * l.Count), seconds = report.Layers.Sum(l => l.Seconds * l.Count);
        double cpuSeconds = report.Layers.Sum(l => l.CpuSeconds * l.Count);
        double cpuFraction = flops / cpuSeconds / 1e9 / (peak / report.Threads);
        double stepMs = report.Results[0].DenseStepMs;
        var (source, plainSeconds, augmentedSeconds, batches) = TimeLoader();
        if (json)
        {
            // `sprout bench conv --json`'s object plus the CPU-time fraction and the loader epoch.
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                peak_gflops = Math.Round(peak, 1),
                dense_3x3_fraction_of_peak = Math.Round(report.Dense3x3FractionOfPeak, 3),
                dense_3x3_fraction_of_core_peak_per_cpu_second = Math.Round(cpuFraction, 3),
                loader_epoch_seconds = Math.Round(plainSeconds, 3),
                augmented_loader_epoch_seconds = Math.Round(augmentedSeconds, 3),
                load_before = report.LoadBefore,
                load_after = ConvNetBenchmark.LoadAverage(),
                results = report.Results,
            }));
            return;
        }
        Console.WriteLine(string.Create(ci, $"threads {report.Threads}, GEMM kernel {Gemm.KernelName}, load average before: {report.LoadBefore}"));
        Console.WriteLine(string.Create(ci, $"FMA peak ({report.Threads} threads): {peak:0.0} GFLOP/s"));
        Console.WriteLine("Conv2d forward + backward, batch 128, ResNet-20 3×3 layers (best of reps, per layer):");
        foreach (var l in report.Layers)
            Console.WriteLine(string.Create(ci, $"  {l.In,2}→{l.Out,2} s{l.Stride} {l.Size,2}×{l.Size,-2} ×{l.Count}: {l.Seconds * 1e3,7:0.00} ms  {l.Flops / l.Seconds / 1e9,6:0.0} GFLOP/s  {l.Flops / l.Seconds / 1e9 / peak,5:0.00} of peak  (CPU time {l.CpuSeconds * 1e3,7:0.00} ms: {l.Flops / l.CpuSeconds / 1e9 / (peak / report.Threads),4:0.00} of one core's peak per CPU-second)"));
        Console.WriteLine(string.Create(ci, $"all 19 3×3 layers: {seconds * 1e3:0.0} ms, {flops / seconds / 1e9:0.0} GFLOP/s = {report.Dense3x3FractionOfPeak:0.000} of peak (wall time)"));
        Console.WriteLine(string.Create(ci, $"  per CPU-second (insensitive to other processes taking the cores): {cpuFraction:0.000} of one core's peak ({cpuSeconds * 1e3:0.0} ms CPU)"));
        foreach (var r in report.Results)
            Console.WriteLine(string.Create(ci, $"ResNet-20 training step at density {r.Density:0.###} (batch 128, SGD): median {r.StepMs:0.0} ms over {steps} steps = {Batch * 1000 / r.StepMs:0} images/s; dense {r.DenseStepMs:0.0} ms, speedup {r.Speedup:0.00}x"));
        Console.WriteLine(string.Create(ci, $"CIFAR-10 loader epoch ({source}, {batches} batches of 128): {plainSeconds:0.000} s plain, {augmentedSeconds:0.000} s with crop+flip = {augmentedSeconds * 1000 / stepMs:0.00} ResNet-20 steps ({augmentedSeconds / (batches * stepMs / 1000) * 100:0.00}% of a dense epoch)"));
        Console.WriteLine(string.Create(ci, $"load average after: {ConvNetBenchmark.LoadAverage()}"));
    }

    // One epoch of batches from the loader, plain and augmented (best of two each; the first epoch of each also warms up).
    private static (string Source, double Plain, double Augmented, int Batches) TimeLoader()
    {
        Dataset train;
        string source;
        if (DatasetRegistry.IsAvailable("cifar10"))
        {
            (train, source) = (DatasetRegistry.Load("cifar10").Train, "real data");
        }
        else
        {
            var features = new Tensor(50_000, 3, 32, 32);
            new Rng(4).FillUniform(features.Data, 0, 1);
            (train, source) = (new Dataset("synthetic", features, new int[50_000], 10), "synthetic data");
        }
        double Time(Augmentation? augmentation)
        {
            var loader = new DataLoader(train, new DataLoaderOptions { BatchSize = Batch, Shuffle = true, Seed = 1, Augmentation = augmentation });
            double best = double.MaxValue;
            for (int e = 0; e < 3; e++)
            {
                long t0 = Stopwatch.GetTimestamp();
                loader.StartEpoch(e);
                while (loader.MoveNext()) { }
                if (e > 0) best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            return best;
        }
        int batches = (train.Count + Batch - 1) / Batch;
        return (source, Time(null), Time(Augmentation.Cifar), batches);
    }
}
