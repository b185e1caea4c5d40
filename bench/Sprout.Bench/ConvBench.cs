// ConvBench: the dense conv-net speed of issue 9, measured in one process so every number is a ratio to something
// timed on the same machine state. (1) The FMA peak over the kernel threads (GemmBenchmark.MeasureFmaPeakGflops).
// (2) Conv2d forward + backward (dW and, except for the stem, dX) over every 3×3 layer of ResNet-20 at batch 128,
// im2col/col2im included: total flops over total time as a fraction of that peak. (3) One full dense ResNet-20
// training step at batch 128 (forward, backward, SGD) and images/s. (4) A CIFAR-10 loader epoch (real data when
// found, else 50,000 synthetic images) with the standard augmentation and without, in ResNet-20 steps. The load average is printed before and after,
// because the machine is shared. With --json, one object in the shape `sprout bench conv --json` will print.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sprout.Core;
using Sprout.Data;
using Sprout.Kernels;
using Sprout.Kernels.Diagnostics;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;

namespace Sprout.Bench;

/// <summary>The conv-net benchmark (see the file header).</summary>
public static class ConvBench
{
    private const int Batch = 128;

    /// <summary>Runs the benchmark: <c>[--json] [--steps N] [--reps N]</c>.</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        bool json = args.Contains("--json");
        int steps = Option(args, "--steps", 8), reps = Option(args, "--reps", 3);
        string loadBefore = LoadAverage();
        double peak = GemmBenchmark.MeasureFmaPeakGflops(Parallelism.Threads, TimeSpan.FromSeconds(1));

        // ResNet-20's 3×3 convs at 32×32 input: (in, out, stride, input size, how many).
        (int In, int Out, int Stride, int Size, int Count)[] layers =
            [(3, 16, 1, 32, 1), (16, 16, 1, 32, 6), (16, 32, 2, 32, 1), (32, 32, 1, 16, 5), (32, 64, 2, 16, 1), (64, 64, 1, 8, 5)];
        double flops = 0, seconds = 0, cpuSeconds = 0;
        var measured = new List<(int Cin, int Cout, int Stride, int Size, int Count, double F, double S, double Cpu)>();
        foreach (var (cin, cout, stride, size, count) in layers)
        {
            var (f, s, cpu) = TimeConv(cin, cout, stride, size, inputGrad: cin != 3, reps);
            flops += f * count;
            seconds += s * count;
            cpuSeconds += cpu * count;
            measured.Add((cin, cout, stride, size, count, f, s, cpu));
        }
        // Under load a 5 ms peak round can lose a core (half the peak, fractions above 1 of a core): measure it again
        // after the layers and keep the larger.
        peak = Math.Max(peak, GemmBenchmark.MeasureFmaPeakGflops(Parallelism.Threads, TimeSpan.FromSeconds(1)));
        var rows = measured.Select(m => string.Create(ci, $"  {m.Cin,2}→{m.Cout,2} s{m.Stride} {m.Size,2}×{m.Size,-2} ×{m.Count}: {m.S * 1e3,7:0.00} ms  {m.F / m.S / 1e9,6:0.0} GFLOP/s  {m.F / m.S / 1e9 / peak,5:0.00} of peak  (CPU time {m.Cpu * 1e3,7:0.00} ms: {m.F / m.Cpu / 1e9 / (peak / Parallelism.Threads),4:0.00} of one core's peak per CPU-second)")).ToList();
        double fraction = flops / seconds / 1e9 / peak;
        double cpuFraction = flops / cpuSeconds / 1e9 / (peak / Parallelism.Threads);

        var (stepMs, loss0, loss1) = TimeStep(steps);
        var (source, plainSeconds, augmentedSeconds, batches) = TimeLoader();
        string loadAfter = LoadAverage();
        if (json)
        {
            var o = new
            {
                peak_gflops = Math.Round(peak, 1),
                dense_3x3_fraction_of_peak = Math.Round(fraction, 3),
                dense_3x3_fraction_of_core_peak_per_cpu_second = Math.Round(cpuFraction, 3),
                loader_epoch_seconds = Math.Round(plainSeconds, 3),
                augmented_loader_epoch_seconds = Math.Round(augmentedSeconds, 3),
                load_before = loadBefore,
                load_after = loadAfter,
                results = new[] { new { model = "resnet20", density = 1.0, step_ms = Math.Round(stepMs, 1), dense_step_ms = Math.Round(stepMs, 1), speedup = 1.0 } },
            };
            Console.WriteLine(JsonSerializer.Serialize(o));
            return;
        }
        Console.WriteLine(string.Create(ci, $"threads {Parallelism.Threads}, GEMM kernel {Gemm.KernelName}, load average before: {loadBefore}"));
        Console.WriteLine(string.Create(ci, $"FMA peak ({Parallelism.Threads} threads): {peak:0.0} GFLOP/s"));
        Console.WriteLine("Conv2d forward + backward, batch 128, ResNet-20 3×3 layers (best of reps, per layer):");
        foreach (var r in rows) Console.WriteLine(r);
        Console.WriteLine(string.Create(ci, $"all 19 3×3 layers: {seconds * 1e3:0.0} ms, {flops / seconds / 1e9:0.0} GFLOP/s = {fraction:0.000} of peak (wall time)"));
        Console.WriteLine(string.Create(ci, $"  per CPU-second (insensitive to other processes taking the cores): {cpuFraction:0.000} of one core's peak ({cpuSeconds * 1e3:0.0} ms CPU)"));
        Console.WriteLine(string.Create(ci, $"dense ResNet-20 training step (batch 128, SGD): median {stepMs:0.0} ms over {steps} steps = {Batch * 1000 / stepMs:0} images/s; loss {loss0:0.000} → {loss1:0.000}"));
        Console.WriteLine(string.Create(ci, $"CIFAR-10 loader epoch ({source}, {batches} batches of 128): {plainSeconds:0.000} s plain, {augmentedSeconds:0.000} s with crop+flip = {augmentedSeconds * 1000 / stepMs:0.00} ResNet-20 steps ({augmentedSeconds / (batches * stepMs / 1000) * 100:0.00}% of a dense epoch)"));
        Console.WriteLine(string.Create(ci, $"load average after: {loadAfter}"));
    }

    // Forward + backward of one conv: returns (flops, best seconds). Flops count the three GEMMs (two for the stem, whose
    // input needs no gradient) at 2 per multiply-add; im2col, col2im and the tape's bookkeeping are in the time.
    private static (double Flops, double Seconds, double CpuSeconds) TimeConv(int cin, int cout, int stride, int size, bool inputGrad, int reps)
    {
        var shape = new ConvShape(cin, cout, 3, 3, stride, 1);
        var x = new Tensor(cin, Batch, size, size) { Layout = Layout.FeatureMajor, RequiresGrad = inputGrad };
        new Rng(1).FillNormal(x.Data, 0, 1);
        var w = new Tensor(cout, shape.FanIn) { RequiresGrad = true };
        new Rng(2).FillNormal(w.Data, 0, 0.1f);
        var tape = new Tape();
        int outSize = shape.Window.OutputHeight(size) * shape.Window.OutputWidth(size);
        double macs = (double)cout * shape.FanIn * Batch * outSize;
        double best = double.MaxValue, bestCpu = double.MaxValue;
        using var process = Process.GetCurrentProcess();
        for (int r = 0; r < reps + 1; r++)   // the first call warms the tape's pool and the JIT
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            using (tape.Record())
            {
                // dY = 1 through a Sum: its forward and backward are one pass over Y each, timed with the conv.
                tape.Backward(Ops.Sum(Ops.Conv2d(x, w, null, shape.Window)));
            }
            double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            tape.Reset();
            if (r > 0) (best, bestCpu) = (Math.Min(best, s), Math.Min(bestCpu, cpu));
        }
        return ((inputGrad ? 3 : 2) * 2 * macs, best, bestCpu);
    }

    private static (double MedianMs, float FirstLoss, float LastLoss) TimeStep(int steps)
    {
        var model = ConvModels.Build("resnet20", new DenseFactory(), 3, 32, 32, 10);
        var opt = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
        var x = new Tensor(Batch, 3 * 32 * 32);
        new Rng(3).FillNormal(x.Data, 0, 1);
        var labels = Enumerable.Range(0, Batch).Select(i => i % 10).ToArray();
        var tape = new Tape();
        var times = new List<double>();
        float first = 0, last = 0;
        for (int s = 0; s < steps + 2; s++)   // two untimed warm-up steps
        {
            long t0 = Stopwatch.GetTimestamp();
            Tensor loss;
            using (tape.Record()) loss = Ops.SoftmaxCrossEntropy(model.Forward(x), labels, Batch);
            tape.Backward(loss);
            opt.Step();
            opt.ZeroGrad();
            last = loss[0];
            if (s == 0) first = last;
            tape.Reset();
            if (s >= 2) times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        times.Sort();
        return (times[times.Count / 2], first, last);
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

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";

    // Dense layers for the step timing, until the factories of the design branch are merged.
    internal sealed class DenseFactory : ILayerFactory
    {
        private readonly Rng _rng = new(1);

        public Module Linear(string path, int inFeatures, int outFeatures, bool bias = true) => new Linear(inFeatures, outFeatures, _rng, bias);

        public Module Conv2d(string path, ConvShape shape, bool bias = false) => new Conv2d(shape, _rng, bias);
    }
}
