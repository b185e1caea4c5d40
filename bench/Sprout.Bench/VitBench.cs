// VitBench: issue 10's ViT speed measurement. The small ViT (vit:patch=4,dim=128,depth=6,heads=4,mlp=256) on
// CIFAR-shaped input at batch 128: full AdamW training steps of the dense model and of the 90%-sparse one (RigL's
// layout: ERK, patch embedding dense, always-sparse CSR projections; topology updates not included), timed
// alternately in one process, plus the attention products alone (Ops.SelfAttention forward + backward at the same
// shapes, dense in both models) to say where the time goes. Prints the load average before and after (shared machine).
// The sparse models run as between topology updates: their layers keep their batch-cache buffers but skip the copies
// into them (SparseTrainingDriver pauses them so on the steps before which no update falls); `--keep-batches` keeps
// every batch instead, as on the step before an update.
// `--layouts` adds, in the same rounds, the sparse model with every CSR layer batch-major in and out (transposes around
// each projection, batch-major attention), to measure what the feature-major chains save.
// `--breakdown` then profiles a few more steps of each model by op (StepProfiler: forward and backward per op type,
// plus the optimizer) so a kernel change can be aimed where the step's time is.
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Diagnostics;
using Sprout.Nn.Optim;
using Sprout.Sparse.Allocation;
using static Sprout.Bench.BenchCommon;

namespace Sprout.Bench;

/// <summary>The ViT benchmark (see the file header).</summary>
public static class VitBench
{
    private const int Batch = 128;

    /// <summary>Runs it: <c>[--steps N] [--density D] [--layouts] [--keep-batches] [--breakdown]</c>.</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int steps = Option(args, "--steps", 6);
        int at = Array.IndexOf(args, "--density");
        double density = at >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], ci) : 0.1;
        var config = VitSpec.Parse("vit:patch=4,dim=128,depth=6,heads=4,mlp=256", 3, 32, 32, 10);
        Module Of(ILayerFactory f) => new SimpleVit(config, f, new Rng(2));
        var dense = Of(new DenseLayerFactory(new Rng(1)));
        var plan = RecordingLayerFactory.Plan(Of, new DensityAllocationOptions(density) { DenseFirstLayer = true });
        bool keepBatches = args.Contains("--keep-batches");
        var sparse = Of(new SparseLayerFactory(plan, new Rng(1), SparseLayerKind.Csr));
        foreach (var layer in sparse.Modules().OfType<SparseLinear>()) layer.CachePaused = !keepBatches;
        Stepper? batchMajor = null;
        if (args.Contains("--layouts"))
        {
            var model = Of(new SparseLayerFactory(plan, new Rng(1), SparseLayerKind.Csr));
            foreach (var layer in model.Modules().OfType<SparseLinear>())
            {
                layer.Options = layer.Options with { Output = Layout.BatchMajor };
                layer.CachePaused = !keepBatches;
            }
            batchMajor = new Stepper(model);
        }
        var x = new Tensor(Batch, 3 * 32 * 32);
        new Rng(3).FillNormal(x.Data, 0, 1);
        int[] labels = Enumerable.Range(0, Batch).Select(i => i % 10).ToArray();
        var qkv = new Tensor(Batch * config.Tokens, 3 * config.InnerDim) { RequiresGrad = true };
        new Rng(4).FillNormal(qkv.Data, 0, 1);

        Console.WriteLine(string.Create(ci, $"ViT {config.Patches} tokens, batch {Batch}, sparse density {density} (ERK, embed dense), batch caches {(keepBatches ? "kept" : "paused")}, {Environment.ProcessorCount} threads; load average {ConvNetBenchmark.LoadAverage()} before"));
        var d = new Stepper(dense);
        var s = new Stepper(sparse);
        var attentionTape = new Tape();
        double Attention()
        {
            long t0 = Stopwatch.GetTimestamp();
            // One tape per block, reset after each: Backward runs every node recorded so far, so one tape over the six
            // blocks ran 1 + 2 + … + 6 = 21 backward passes (the figure before session 6 was inflated about 2.5× by that).
            for (int b = 0; b < config.Depth; b++)
            {
                Tensor loss;
                using (attentionTape.Record()) loss = Ops.Sum(Ops.SelfAttention(qkv, config.Tokens, config.Heads));
                attentionTape.Backward(loss);
                attentionTape.Reset();
            }
            return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        List<double> dt = [], st = [], at2 = [], bt = [];
        for (int round = 0; round < steps + 2; round++)
        {
            double a = d.Step(x, labels), b = s.Step(x, labels), c = Attention(), e = batchMajor?.Step(x, labels) ?? 0;
            if (round < 2) continue; // JIT, pools
            (dt, st, at2, bt) = ([.. dt, a], [.. st, b], [.. at2, c], [.. bt, e]);
            string extra = batchMajor is null ? "" : string.Create(ci, $", sparse all batch-major {e:0} ms");
            Console.WriteLine(string.Create(ci, $"round {round - 1}/{steps}: dense {a:0} ms, sparse {b:0} ms, attention (all {config.Depth} blocks) {c:0} ms{extra}"));
        }
        double md = Median(dt), ms = Median(st), ma = Median(at2);
        long nnz = sparse.Modules().OfType<IDescribedLayer>().Sum(l => l.Describe().Nnz);
        var (proj, attn) = config.ForwardMacsPerImage();
        Console.WriteLine(string.Create(ci, $"median step: dense {md:0} ms, sparse {ms:0} ms, speedup {md / ms:0.00}x; attention products {ma:0} ms = {100 * ma / md:0}% of the dense step, {100 * ma / ms:0}% of the sparse step"));
        if (batchMajor is not null)
        {
            var ratios = bt.Zip(st, (x1, x2) => x1 / x2).ToList();
            Console.WriteLine(string.Create(ci, $"sparse all batch-major: median {Median(bt):0} ms; per-round ratio batch-major / feature-major chains: median {Median(ratios):0.00} (range {ratios.Min():0.00}–{ratios.Max():0.00})"));
        }
        Console.WriteLine(string.Create(ci, $"weights: sparse nnz {nnz:N0}; forward GMAC/image dense {(proj + attn) / 1e9:0.0000} (attention {attn / 1e9:0.0000})"));
        Console.WriteLine($"load average {ConvNetBenchmark.LoadAverage()} after");
        if (args.Contains("--breakdown"))
            Breakdown([("dense", d), ("sparse", s), .. batchMajor is null ? [] : new[] { ("sparse all batch-major", batchMajor) }], x, labels, steps);
    }

    /// <summary>Per-op wall time (ms per step) of each model over <paramref name="steps"/> profiled steps.</summary>
    private static void Breakdown((string Name, Stepper Stepper)[] models, Tensor x, int[] labels, int steps)
    {
        var ci = CultureInfo.InvariantCulture;
        foreach (var (name, stepper) in models)
        {
            StepProfiler.Enabled = true;
            StepProfiler.Clear();
            double total = 0;
            for (int i = 0; i < steps; i++) total += stepper.Step(x, labels);
            StepProfiler.Enabled = false;
            Console.WriteLine(string.Create(ci, $"{name}: {total / steps:0} ms per profiled step; by op (ms per step, calls per step):"));
            foreach (var (label, ms, calls) in StepProfiler.Snapshot().OrderByDescending(r => r.Milliseconds))
                Console.WriteLine(string.Create(ci, $"  {label,-28} {ms / steps,7:0.0} {calls / steps,4}"));
        }
    }

    private sealed class Stepper(Module net)
    {
        private readonly AdamW _optimizer = new(net.NamedParameters(), 1e-3f, weightDecay: 0.05f);
        private readonly Tape _tape = new();

        public double Step(Tensor x, int[] labels)
        {
            long t0 = Stopwatch.GetTimestamp();
            StepProfiler.StartStep();
            Tensor loss;
            using (_tape.Record()) loss = Functional.CrossEntropy(net.Forward(x), labels, Batch);
            _tape.Backward(loss);
            long t = StepProfiler.Begin();
            _optimizer.Step();
            _optimizer.ZeroGrad();
            StepProfiler.End("AdamW + zero grad", t);
            _tape.Reset();
            return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
    }
}
