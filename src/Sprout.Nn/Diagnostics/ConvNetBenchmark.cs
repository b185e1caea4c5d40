// ConvNetBenchmark: the conv-net speed numbers of issue 9 measured in one process, so each is a ratio to something
// timed on the same machine state. (1) The FMA peak (GemmBenchmark). (2) Dense Conv2d forward + backward over the
// 3×3 layers of ResNet-20 (im2col/col2im included): total flops over total time as a fraction of that peak.
// (3) Full training steps (forward, cross-entropy, backward, SGD with Nesterov momentum and weight decay, zero-grad)
// of each model dense and always-sparse at each density, on one synthetic batch. Sparse models are ERK over all
// weight layers with the first layer dense (DensityAllocationOptions.DenseFirstLayer); topologies stay fixed (no
// drop/grow: a static step, which is what every dynamic method runs between updates, with the conv layers keeping no
// batch, as the training driver leaves them between updates; memory is measured at a step that keeps it). Every
// round times one step of every variant in turn, dense and sparse alternating, and rows report medians, so a load
// change hits all alike.
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
        var breakdown = options.Breakdown ? Breakdown(options) : null;
        return new ConvBenchReport(peak, fraction, options.Threads, loadBefore, LoadAverage(), results, layers, breakdown);
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
        var (x, labels) = SyntheticBatch(options);

        // Every model's dense variant first, then its sparse ones; densities of 1 reuse the dense timing.
        var variants = Variants(options, x, labels);
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
                results.Add(new ConvBenchResult(name, d, ms, denseMs, Math.Round(denseMs / ms, 3), v.Nnz, // speedup of the printed times
                    Math.Round(v.MemoryBytes / 1e6, 1), Math.Round(dense.MemoryBytes / 1e6, 1)));
            }
        }
        return results;
    }

    /// <summary>
    /// Per-op time of a step of every variant: <see cref="ConvBenchOptions.Steps"/> steps each under
    /// <see cref="StepProfiler"/> after <see cref="ConvBenchOptions.WarmupSteps"/> unprofiled ones, in milliseconds per step.
    /// </summary>
    public static IReadOnlyList<ConvStepBreakdown> Breakdown(ConvBenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (x, labels) = SyntheticBatch(options);
        var rows = new List<ConvStepBreakdown>();
        foreach (var v in Variants(options, x, labels))
        {
            for (int i = 0; i < options.WarmupSteps; i++) v.Step(x, labels, options.Batch);
            StepProfiler.Clear();
            StepProfiler.Enabled = true;
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                for (int i = 0; i < options.Steps; i++) v.Step(x, labels, options.Batch);
            }
            finally
            {
                StepProfiler.Enabled = false;
            }
            double stepMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / options.Steps;
            var ops = StepProfiler.Snapshot().Select(r => new ConvOpTime(r.Label, Math.Round(r.Milliseconds / options.Steps, 3), (double)r.Calls / options.Steps)).ToArray();
            StepProfiler.Clear();
            rows.Add(new ConvStepBreakdown(v.Model, v.Density, Math.Round(stepMs, 2), ops));
        }
        return rows;
    }

    // Each model dense, then at each density below 1. Each variant runs one step as soon as it is built, and the
    // managed memory it then holds (after a full collection, less what was held before it was built) is its memory:
    // a step allocates nothing after the first, and the tape keeps every intermediate and gradient buffer of the step
    // in its pool, so this is the high-water mark of its training memory (parameters, gradients, optimizer state,
    // activations and their gradients, sparse layers' caches, and the kernels' per-thread scratch first grown by it).
    private static List<Variant> Variants(ConvBenchOptions options, Tensor x, int[] labels)
    {
        var variants = new List<Variant>();
        foreach (string name in options.Models)
            foreach (double d in options.Densities.Where(d => d < 1).Distinct().Prepend(1.0))
            {
                long before = GC.GetTotalMemory(forceFullCollection: true);
                var net = Build(name, d, options);
                var keepers = net.Modules().OfType<IKeepsBatch>().ToArray();
                // The first step is the one before a topology update, whose batch the sparse layers keep (in the tape's
                // buffers) for the growth criteria: the memory is measured while they hold it. The timed steps are
                // between updates (SparseTrainingDriver releases and pauses the same way; static sparse training
                // disables the caches altogether).
                var v = new Variant(name, d, net);
                v.Step(x, labels, options.Batch);
                v.MemoryBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
                foreach (var layer in keepers)
                {
                    layer.ReleaseBatch();
                    layer.CachePaused = true;
                }
                variants.Add(v);
            }
        return variants;
    }

    private static (Tensor X, int[] Labels) SyntheticBatch(ConvBenchOptions options)
    {
        var (c, h, w, classes) = options.Input;
        var x = new Tensor(options.Batch, c * h * w);
        new Rng(options.Seed).FillNormal(x.Data, 0, 1);
        return (x, Enumerable.Range(0, options.Batch).Select(i => i % classes).ToArray());
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
        public long MemoryBytes { get; set; }

        public double Step(Tensor x, int[] labels, int batch)
        {
            if (StepProfiler.Enabled) return ProfiledStep(x, labels, batch);
            long t0 = Stopwatch.GetTimestamp();
            Tensor loss;
            using (_tape.Record()) loss = Functional.CrossEntropy(net.Forward(x), labels, batch);
            _tape.Backward(loss);
            _optimizer.Step();
            _optimizer.ZeroGrad();
            _tape.Reset();
            return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        // The same step with the input reorder, optimizer, zero-grad and tape reset as rows of their own.
        private double ProfiledStep(Tensor x, int[] labels, int batch)
        {
            long t0 = Stopwatch.GetTimestamp();
            StepProfiler.StartStep();
            Tensor loss;
            using (_tape.Record())
            {
                var convNet = (ConvNet)net;
                var input = Ops.ToFeatureMajor(x, convNet.Channels, convNet.Height, convNet.Width);
                StepProfiler.Mark("input reorder");
                loss = Functional.CrossEntropy(net.Forward(input), labels, batch);
            }
            _tape.Backward(loss);
            long t = StepProfiler.Begin();
            _optimizer.Step();
            StepProfiler.End("optimizer step", t);
            t = StepProfiler.Begin();
            _optimizer.ZeroGrad();
            StepProfiler.End("zero grad", t);
            t = StepProfiler.Begin();
            _tape.Reset();
            StepProfiler.End("tape reset", t);
            return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
    }
}
