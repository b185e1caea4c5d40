// ConvOpsBench: the non-conv ops every ResNet-20 step pays for (BatchNorm in training mode, ReLU, residual add, and the
// fused BatchNorm+ReLU and BatchNorm+add+ReLU operators), forward + backward through the tape at each stage's
// activation shape [C, 128, H, W], on all kernel threads (the fused pairs beside the unfused chains), after a warm-up long enough for tier-1 code. Each is timed as
// Sum(op(x)) minus Sum(x) alone (the Sum gives the scalar loss and the dY = 1 pass), best of the repetitions, and
// weighted by how often ResNet-20 runs it; then full dense ResNet-20 steps with the blocks' fused BatchNorm+ReLU
// operators and without (BatchNorm2d.FusionEnabled), alternating, on all threads by wall time and on one by CPU time.
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using static Sprout.Bench.ConvBenchShared;

namespace Sprout.Bench;

/// <summary>Non-conv op timing at ResNet-20 shapes: <c>conv-ops [--reps N] [--batch N]</c>.</summary>
public static class ConvOpsBench
{
    /// <summary>Runs the benchmark.</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int reps = Option(args, "--reps", 10), batch = Option(args, "--batch", 128);
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}; batch {batch}; threads {Sprout.Kernels.Parallelism.Threads}");
        // (channels, size, BatchNorms, ReLUs, adds) per ResNet-20 stage: the stem's BN+ReLU, 2 per block, one shortcut BN.
        (int C, int Size, int Bn, int Relu, int Add)[] stages = [(16, 32, 7, 7, 3), (32, 16, 7, 6, 3), (64, 8, 7, 6, 3)];
        double total = 0;
        foreach (var (c, size, nBn, nRelu, nAdd) in stages)
        {
            var x = Input(c, batch, size, 1);
            var r = Input(c, batch, size, 2);
            var gamma = new Tensor(c) { RequiresGrad = true };
            gamma.Data.Fill(1.2f);
            var beta = new Tensor(c) { RequiresGrad = true };
            beta.Data.Fill(0.1f);
            var (rm, rv) = (new Tensor(c), new Tensor(c));
            rv.Data.Fill(1f);
            var ops = new (string Name, int Count, Func<Tensor> Op)[]
            {
                ("sum only", 0, () => x),
                ("batchnorm", nBn, () => Ops.BatchNorm(x, gamma, beta, rm, rv, true)),
                ("relu", nRelu, () => Ops.Relu(x)),
                ("add", nAdd, () => Ops.Add(x, r)),
                ("bn+relu (unfused)", 0, () => Ops.Relu(Ops.BatchNorm(x, gamma, beta, rm, rv, true))),
                ("bn+add+relu (unfused)", 0, () => Ops.Relu(Ops.Add(Ops.BatchNorm(x, gamma, beta, rm, rv, true), r))),
                ("bn+relu (fused)", 0, () => Ops.BatchNormRelu(x, gamma, beta, rm, rv, true)),
                ("bn+add+relu (fused)", 0, () => Ops.BatchNormAddRelu(x, r, gamma, beta, rm, rv, true)),
            };
            var tape = new Tape();
            var best = new double[ops.Length];
            Array.Fill(best, double.MaxValue);
            for (int rep = 0; rep < reps + 30; rep++)
                for (int k = 0; k < ops.Length; k++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    using (tape.Record()) tape.Backward(Ops.Sum(ops[k].Op()));
                    double s = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    tape.Reset();
                    x.ZeroGrad(); r.ZeroGrad();
                    if (rep >= 30) best[k] = Math.Min(best[k], s);
                }
            for (int k = 1; k < ops.Length; k++)
            {
                double ms = (best[k] - best[0]) * 1e3;
                total += ops[k].Count * ms;
                Console.WriteLine(string.Create(ci, $"[{c}, {batch}, {size}, {size}] {ops[k].Name,-22} {ms,7:0.000} ms  x{ops[k].Count} = {ops[k].Count * ms,7:0.00} ms"));
            }
            Console.WriteLine(string.Create(ci, $"[{c}, {batch}, {size}, {size}] (sum only: {best[0] * 1e3:0.000} ms)"));
        }
        Console.WriteLine(string.Create(ci, $"BatchNorm + ReLU + add in one dense ResNet-20 step (counts above): {total:0.0} ms"));
        var (fused, unfused) = StepMs(batch, reps);
        Console.WriteLine(string.Create(ci, $"dense ResNet-20 step, median of {reps} each, alternating: fused {fused:0.0} ms, unfused (BatchNorm2d.FusionEnabled = false) {unfused:0.0} ms: {unfused / fused:0.000}×"));
        int threads = Sprout.Kernels.Parallelism.Threads;
        Sprout.Kernels.Parallelism.Threads = 1;
        try
        {
            var (f1, u1) = StepMs(batch, Math.Max(3, reps / 2), cpu: true);
            Console.WriteLine(string.Create(ci, $"same on one kernel thread, best process CPU ms: fused {f1:0.0}, unfused {u1:0.0}: {u1 / f1:0.000}×"));
        }
        finally { Sprout.Kernels.Parallelism.Threads = threads; }
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    // (fused, unfused) step time: median wall ms, or with cpu best process CPU ms; fused and unfused steps alternate.
    private static (double Fused, double Unfused) StepMs(int batch, int reps, bool cpu = false)
    {
        var model = Sprout.Nn.ConvModels.Build("resnet20", new Sprout.Nn.DenseLayerFactory(new Rng(1)), 3, 32, 32, 10);
        var opt = new Sprout.Nn.Optim.Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
        var x = new Tensor(batch, 3 * 32 * 32);
        new Rng(3).FillNormal(x.Data, 0, 1);
        var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        var tape = new Tape();
        var times = new[] { new List<double>(), new List<double>() };
        using var process = Process.GetCurrentProcess();
        try
        {
            for (int s = 0; s < 2 * (reps + 5); s++)
            {
                int path = (s + s / 2) % 2;   // 0 1 1 0 0 1 1 0 …
                Sprout.Nn.BatchNorm2d.FusionEnabled = path == 0;
                process.Refresh();
                var c0 = process.TotalProcessorTime;
                long t0 = Stopwatch.GetTimestamp();
                Tensor loss;
                using (tape.Record()) loss = Ops.SoftmaxCrossEntropy(model.Forward(x), labels, batch);
                tape.Backward(loss);
                opt.Step();
                opt.ZeroGrad();
                tape.Reset();
                double wall = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                process.Refresh();
                if (s >= 10) times[path].Add(cpu ? (process.TotalProcessorTime - c0).TotalMilliseconds : wall);
            }
        }
        finally { Sprout.Nn.BatchNorm2d.FusionEnabled = true; }
        double Pick(List<double> t) { t.Sort(); return cpu ? t[0] : t[t.Count / 2]; }
        return (Pick(times[0]), Pick(times[1]));
    }

    private static Tensor Input(int c, int batch, int size, int seed)
    {
        var t = new Tensor(c, batch, size, size) { Layout = Layout.FeatureMajor, RequiresGrad = true };
        new Rng((ulong)seed).FillNormal(t.Data, 0, 1);
        return t;
    }
}
