// `layout`: the same sparse model run two ways in one process, step by step in alternation so both see the same
// machine load: "plain" (every SparseLinear sample-major in and out, separate ReLU modules, batch cache kept: the
// layer path before SparseModels.FuseSparseChains) and "fused" (feature-major between sparse layers, fused bias+ReLU).
// Both start from the same weights and see the same batches, so their losses must agree; the forward, backward and
// optimizer phases are timed separately.
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Training.Sparsity;

namespace Sprout.Bench.Sparse;

internal static class LayoutBench
{
    /// <summary>width 0: MLP 784-4096-4096-10 at 2% ERK; otherwise the scale model 784-W-W-10 at fan-in 20.</summary>
    public static void Run(Dataset train, int width, int warmup, int steps)
    {
        var ci = CultureInfo.InvariantCulture;
        var loader = new DataLoader(train, new DataLoaderOptions { BatchSize = 128, Shuffle = true, Seed = 1, DropLast = true, Flatten = true });
        var models = new[] { Build(width, fuse: false), Build(width, fuse: true) };
        string[] names = ["plain", "fused"];
        var opts = models.Select(m => new Sgd(m.NamedParameters(), 0.05f, momentum: 0.9f)).ToArray();
        var tape = new Tape();
        var sums = new double[2, 3];
        var losses = new double[2];
        loader.StartEpoch(0);
        for (int s = 0; s < warmup + steps; s++)
        {
            if (!loader.MoveNext())
            {
                loader.StartEpoch(s);
                loader.MoveNext();
            }
            var batch = loader.Current;
            for (int k = 0; k < 2; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                Tensor loss;
                using (tape.Record()) loss = Functional.CrossEntropy(models[k].Forward(batch.Inputs), loader.LabelBuffer, batch.Count);
                long t1 = Stopwatch.GetTimestamp();
                tape.Backward(loss);
                long t2 = Stopwatch.GetTimestamp();
                opts[k].Step();
                opts[k].ZeroGrad();
                tape.Reset();
                long t3 = Stopwatch.GetTimestamp();
                losses[k] = loss[0];
                if (s < warmup) continue;
                sums[k, 0] += t1 - t0;
                sums[k, 1] += t2 - t1;
                sums[k, 2] += t3 - t2;
            }
        }
        double Ms(double ticks) => ticks * 1000.0 / Stopwatch.Frequency / steps;
        for (int k = 0; k < 2; k++)
            Console.WriteLine(string.Create(ci,
                $"{names[k]}: forward {Ms(sums[k, 0]):0.00} ms, backward {Ms(sums[k, 1]):0.00} ms, update {Ms(sums[k, 2]):0.00} ms, step {Ms(sums[k, 0] + sums[k, 1] + sums[k, 2]):0.00} ms (last loss {losses[k]:0.######})"));
        Console.WriteLine(string.Create(ci, $"plain / fused step time: {(sums[0, 0] + sums[0, 1] + sums[0, 2]) / (sums[1, 0] + sums[1, 1] + sums[1, 2]):0.00}x over {steps} steps after {warmup} warm-up steps"));
    }

    private static Sequential Build(int width, bool fuse)
    {
        Sequential net;
        if (width == 0)
        {
            var plan = RecordingLayerFactory.Plan(f => Models.Mlp(784, [4096, 4096], 10, f), new DensityAllocationOptions(0.02));
            net = Models.Mlp(784, [4096, 4096], 10, new SparseLayerFactory(plan, new Rng(1)), fuseSparseChains: fuse).WithSparseLayerNames();
        }
        else net = ScaleBenchmark.Build(784, width, 10, 20, new Rng((ulong)width));
        if (fuse) return net;
        // Undo the fusion: the plain layer path, with the batch cache the layers kept before it became optional.
        var layers = net.Layers.Select(m => m is FusedRelu ? new Relu() : m).ToArray();
        foreach (var l in layers.OfType<SparseLinear>())
        {
            l.Options = default;
            l.CachesBatch = true;
        }
        return new Sequential(layers).WithSparseLayerNames();
    }
}
