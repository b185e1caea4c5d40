// ConvNetBenchmark: the conv-net speed numbers of issue 9 measured in one process, so each is a ratio to something
// timed on the same machine state. (1) The FMA peak (GemmBenchmark). (2) Dense Conv2d forward + backward over the
// 3×3 layers of ResNet-20 (im2col/col2im included): total flops over total time as a fraction of that peak.
// (3) Full training steps (forward, cross-entropy, backward, SGD with Nesterov momentum and weight decay, zero-grad)
// of each model dense and always-sparse at each density, on one synthetic batch. Sparse models are ERK over all
// weight layers with the first layer dense (DensityAllocationOptions.DenseFirstLayer); topologies stay fixed (no
// drop/grow: a static step, which is what every dynamic method runs between updates). Every round times one step of
// every variant in turn, dense and sparse alternating, and rows report medians, so a load change hits all alike.
// Used by `sprout bench conv` and bench/Sprout.Bench's conv entry point. Allocates freely (setup and reports).
using System.Diagnostics;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Kernels.Diagnostics;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;

namespace Sprout.Nn.Diagnostics;

/// <summary>Measures conv nets' training steps, dense and sparse, against the machine's FMA peak.</summary>
public static class ConvNetBenchmark
{
    // ResNet-20's 3×3 convs on a 32×32 input: (in, out, stride, input size, how many); 19 layers.
    private static readonly (int In, int Out, int Stride, int Size, int Count)[] ResNet20Convs =
        [(3, 16, 1, 32, 1), (16, 16, 1, 32, 6), (16, 32, 2, 32, 1), (32, 32, 1, 16, 5), (32, 64, 2, 16, 1), (64, 64, 1, 8, 5)];

    /// <summary>Runs (1)–(3); <paramref name="log"/> gets a line as each part finishes (null: quiet).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public static ConvBenchReport Run(ConvBenchOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string loadBefore = LoadAverage();
        double peak = GemmBenchmark.MeasureFmaPeakGflops(options.Threads, options.PeakDuration);
        log?.Invoke($"FMA peak {peak:0.0} GFLOP/s ({options.Threads} threads), load average {loadBefore}");
        var layers = Dense3x3(options.Batch, options.ConvRepetitions);
        double fraction = FractionOfPeak(layers, peak);
        log?.Invoke($"ResNet-20 3×3 convs, forward + backward at batch {options.Batch}: {fraction:0.000} of peak");
        var results = TrainingSteps(options, log);
        return new ConvBenchReport(peak, fraction, options.Threads, loadBefore, LoadAverage(), results, layers);
    }

    /// <summary>Total flops over total wall time of <paramref name="layers"/> (each weighted by its count) as a fraction of <paramref name="peakGflops"/>.</summary>
    public static double FractionOfPeak(IReadOnlyList<ConvLayerTiming> layers, double peakGflops)
    {
        ArgumentNullException.ThrowIfNull(layers);
        double flops = layers.Sum(l => l.Flops * l.Count), seconds = layers.Sum(l => l.Seconds * l.Count);
        return flops / seconds / 1e9 / peakGflops;
    }

    /// <summary>Times Conv2d forward + backward (dW and, except for the stem, dX) for every 3×3 geometry of ResNet-20, best of <paramref name="repetitions"/>.</summary>
    /// <remarks>
    /// Every geometry first runs <see cref="WarmupRounds"/> times, round robin, so the timed calls run the JIT's tier-1
    /// code, as a training run does after its first steps. With one warm-up call each (before 2026-12-07 10:40 UTC)
    /// the kernels were still in tier-0 or on-stack-replaced code for most of the timed calls, which cut the figure
    /// by about a third (docs/BENCHMARKS.md, "Two threads, BatchNorm+ReLU fusion").
    /// </remarks>
    public static IReadOnlyList<ConvLayerTiming> Dense3x3(int batch, int repetitions)
    {
        var convs = ResNet20Convs.Select(l => new TimedConv(l.In, l.Out, l.Stride, l.Size, batch, inputGrad: l.In != 3)).ToArray();
        for (int r = 0; r < WarmupRounds; r++)
            foreach (var conv in convs) conv.Run();
        var rows = new List<ConvLayerTiming>();
        for (int i = 0; i < convs.Length; i++)
        {
            var (cin, cout, stride, size, count) = ResNet20Convs[i];
            var (seconds, cpu) = convs[i].Best(repetitions);
            rows.Add(new ConvLayerTiming(cin, cout, stride, size, count, convs[i].Flops, seconds, cpu));
        }
        return rows;
    }

    // Tier-0 code is promoted after 30 calls once the process has been quiet of new tier-0 methods for 100 ms; 40
    // rounds of all six geometries take about a second.
    private const int WarmupRounds = 40;

    /// <summary>(3): median full-step times per model and density, dense and sparse timed alternately.</summary>
    public static IReadOnlyList<ConvBenchResult> TrainingSteps(ConvBenchOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (c, h, w, classes) = options.Input;
        var x = new Tensor(options.Batch, c * h * w);
        new Rng(options.Seed).FillNormal(x.Data, 0, 1);
        int[] labels = Enumerable.Range(0, options.Batch).Select(i => i % classes).ToArray();

        // Every model's dense variant first, then its sparse ones; densities of 1 reuse the dense timing.
        var variants = new List<Variant>();
        foreach (string name in options.Models)
        {
            variants.Add(new Variant(name, 1.0, Build(name, 1.0, options)));
            foreach (double d in options.Densities.Where(d => d < 1).Distinct())
                variants.Add(new Variant(name, d, Build(name, d, options)));
        }
        for (int round = 0; round < options.WarmupSteps + options.Steps; round++)
        {
            foreach (var v in variants)
            {
                double ms = v.Step(x, labels, options.Batch);
                if (round >= options.WarmupSteps) v.Times.Add(ms);
            }
            if (round >= options.WarmupSteps)
                log?.Invoke($"round {round - options.WarmupSteps + 1}/{options.Steps}: " +
                    string.Join(", ", variants.Select(v => $"{v.Model}@{v.Density:0.###} {v.Times[^1]:0} ms")));
        }

        var results = new List<ConvBenchResult>();
        foreach (string name in options.Models)
        {
            var dense = variants.First(v => v.Model == name && v.Density == 1.0);
            double denseMs = Math.Round(Median(dense.Times), 2);
            foreach (double d in options.Densities)
            {
                var v = d >= 1 ? dense : variants.First(s => s.Model == name && s.Density == d);
                double ms = Math.Round(Median(v.Times), 2);
                results.Add(new ConvBenchResult(name, d, ms, denseMs, Math.Round(denseMs / ms, 3), v.Nnz)); // speedup of the printed times
            }
        }
        return results;
    }

    /// <summary>The model <paramref name="name"/> at <paramref name="density"/>: dense at 1, else always-sparse CSR layers, ERK, first layer dense.</summary>
    public static Module Build(string name, double density, ConvBenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (c, h, w, classes) = options.Input;
        Module Of(ILayerFactory f) => ConvModels.Build(name, f, c, h, w, classes);
        var rng = Rng.Derive(options.Seed, name);
        if (density >= 1) return Of(new DenseLayerFactory(rng));
        var plan = RecordingLayerFactory.Plan(Of, new DensityAllocationOptions(density) { DenseFirstLayer = true });
        return Of(new SparseLayerFactory(plan, rng, SparseLayerKind.Csr));
    }

    private static double Median(List<double> times)
    {
        var sorted = times.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    // Forward + backward of one conv. Flops count the GEMMs (two for the stem, whose input needs no gradient) at 2 per
    // multiply-add; the tape's bookkeeping and the Sum that gives the scalar loss (one pass over Y each way) are in the time.
    private sealed class TimedConv
    {
        private readonly Tensor _x, _w;
        private readonly Window2d _window;
        private readonly Tape _tape = new();

        public TimedConv(int cin, int cout, int stride, int size, int batch, bool inputGrad)
        {
            var shape = new ConvShape(cin, cout, 3, 3, stride, 1);
            _window = shape.Window;
            _x = new Tensor(cin, batch, size, size) { Layout = Layout.FeatureMajor, RequiresGrad = inputGrad };
            new Rng(1).FillNormal(_x.Data, 0, 1);
            _w = new Tensor(cout, shape.FanIn) { RequiresGrad = true };
            new Rng(2).FillNormal(_w.Data, 0, 0.1f);
            int outSize = _window.OutputHeight(size) * _window.OutputWidth(size);
            Flops = (inputGrad ? 3 : 2) * 2.0 * cout * shape.FanIn * batch * outSize;
        }

        public double Flops { get; }

        public void Run()
        {
            using (_tape.Record()) _tape.Backward(Ops.Sum(Ops.Conv2d(_x, _w, null, _window)));
            _tape.Reset();
            _x.ZeroGrad();
            _w.ZeroGrad();
        }

        // (best wall seconds, best CPU seconds) of the forward + backward; the gradients' zeroing is outside the time.
        public (double Seconds, double CpuSeconds) Best(int repetitions)
        {
            double best = double.MaxValue, bestCpu = double.MaxValue;
            using var process = Process.GetCurrentProcess();
            for (int r = 0; r < repetitions; r++)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                using (_tape.Record()) _tape.Backward(Ops.Sum(Ops.Conv2d(_x, _w, null, _window)));
                double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                process.Refresh();
                double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
                _tape.Reset();
                _x.ZeroGrad();
                _w.ZeroGrad();
                (best, bestCpu) = (Math.Min(best, s), Math.Min(bestCpu, cpu));
            }
            return (best, bestCpu);
        }
    }

    /// <summary>The 1-minute, 5-minute and 15-minute load averages ("n/a" where /proc/loadavg is absent).</summary>
    public static string LoadAverage()
    {
        try
        {
            if (!File.Exists("/proc/loadavg")) return "n/a";
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    // One model variant with its own optimizer and tape (pools sized to it).
    private sealed class Variant(string model, double density, Module net)
    {
        private readonly Optim.Sgd _optimizer = new(net.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
        private readonly Tape _tape = new();

        public string Model => model;
        public double Density => density;
        public List<double> Times { get; } = [];
        public long Nnz { get; } = net.Modules().OfType<IDescribedLayer>().Sum(l => l.Describe().Nnz);

        public double Step(Tensor x, int[] labels, int batch)
        {
            long t0 = Stopwatch.GetTimestamp();
            Tensor loss;
            using (_tape.Record()) loss = Functional.CrossEntropy(net.Forward(x), labels, batch);
            _tape.Backward(loss);
            _optimizer.Step();
            _optimizer.ZeroGrad();
            _tape.Reset();
            return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
    }
}
