// ConvPartsBench: where dense Conv2d's time goes, per ResNet-20 3×3 layer shape and per product (forward, weight
// gradient, input gradient), on ONE kernel thread so that the process CPU time is the kernel's own time even when
// the machine is oversubscribed. Each repetition times the stride-1 panel path (ConvPanels) and the columns path
// (im2col + blocked GEMM, ConvGemm.PanelsEnabled = false) back to back, in alternating order, and the single-core
// FMA peak is re-measured between repetitions. Prints best CPU ms per product and the fraction of one core's peak.
using System.Diagnostics;
using System.Globalization;
using Sprout.Kernels;
using Sprout.Kernels.Diagnostics;
using static Sprout.Bench.ConvBenchShared;

namespace Sprout.Bench;

/// <summary>Per-product dense convolution timing on one thread (see the file header): <c>conv-parts [--reps N] [--batch N]</c>.</summary>
public static class ConvPartsBench
{
    /// <summary>Runs the benchmark.</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int reps = Option(args, "--reps", 3), batch = Option(args, "--batch", 32);
        int savedThreads = Parallelism.Threads;
        Parallelism.Threads = 1;
        try
        {
            Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}; batch {batch}; one kernel thread");
            var layers = ConvBenchShared.ResNet20Layers;
            double peak = 0, convCpu = 0;
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
                // [path, product] best CPU seconds; path 0 = panels, 1 = columns.
                var best = new double[2, 3];
                for (int p = 0; p < 2; p++) for (int q = 0; q < 3; q++) best[p, q] = double.MaxValue;
                for (int r = 0; r <= reps; r++)
                {
                    peak = Math.Max(peak, GemmBenchmark.MeasureFmaPeakGflops(1, TimeSpan.FromMilliseconds(200)));
                    for (int k = 0; k < 2; k++)
                    {
                        int path = (r + k) % 2;
                        ConvGemm.PanelsEnabled = path == 0;
                        var t = new[]
                        {
                            Cpu(() => ConvGemm.Forward(x, w, y, cout, cin, batch, size, size, win)),
                            Cpu(() => ConvGemm.Backward(x, w, dy, [], dw, cout, cin, batch, size, size, win)),
                            Cpu(() => ConvGemm.Backward(x, w, dy, dx, [], cout, cin, batch, size, size, win)),
                        };
                        if (r > 0) for (int q = 0; q < 3; q++) best[path, q] = Math.Min(best[path, q], t[q]);
                    }
                }
                ConvGemm.PanelsEnabled = true;
                convCpu += count * (best[0, 0] + best[0, 1] + (cin == 3 ? 0 : best[0, 2]));
                string Row(int path) => string.Join("  ", Enumerable.Range(0, 3).Select(q =>
                    string.Create(ci, $"{best[path, q] * 1e3,7:0.00} ms {flops / best[path, q] / 1e9 / peak,4:0.00}")));
                Console.WriteLine(string.Create(ci, $"{cin,2}→{cout,2} s{stride} {size,2}px  panels  [fwd, dW, dx]: {Row(0)}"));
                Console.WriteLine(string.Create(ci, $"               columns [fwd, dW, dx]: {Row(1)}"));
            }
            Console.WriteLine(string.Create(ci, $"one-core FMA peak (best): {peak:0.0} GFLOP/s; fractions above are of it, by process CPU time"));
            var (step, columnsStep) = StepCpu(batch, reps);
            Console.WriteLine(string.Create(ci, $"dense ResNet-20 training step on one thread, batch {batch}: {step * 1e3:0.0} ms CPU (best of {reps}; {columnsStep * 1e3:0.0} ms with the columns path, alternating: {columnsStep / step:0.00}×)"));
            Console.WriteLine(string.Create(ci, $"  its 19 3×3 convs (panels, best times above): {convCpu * 1e3:0.0} ms = {convCpu / step:P0}; everything else (BatchNorm, ReLU, adds, 1×1 shortcuts, pooling, FC, loss, SGD, tape): {(step - convCpu) * 1e3:0.0} ms"));
            Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        }
        finally
        {
            Parallelism.Threads = savedThreads;
            ConvGemm.PanelsEnabled = true;
        }
    }

    // CPU seconds of one full step (forward, backward, Nesterov SGD), best of reps after one warm-up step, with the panel
    // path and with the columns path in alternating order.
    private static (double Panels, double Columns) StepCpu(int batch, int reps)
    {
        var model = Sprout.Nn.ConvModels.Build("resnet20", new Sprout.Nn.DenseLayerFactory(new Sprout.Core.Rng(1)), 3, 32, 32, 10);
        var opt = new Sprout.Nn.Optim.Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
        var x = new Sprout.Core.Tensor(batch, 3 * 32 * 32);
        new Sprout.Core.Rng(3).FillNormal(x.Data, 0, 1);
        var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        var tape = new Sprout.Core.Tape();
        var best = new[] { double.MaxValue, double.MaxValue };
        for (int s = 0; s <= 2 * reps + 1; s++)
        {
            int path = (s + s / 2) % 2;   // 0 1 1 0 0 1 1 0 …
            ConvGemm.PanelsEnabled = path == 0;
            double t = Cpu(() =>
            {
                Sprout.Core.Tensor loss;
                using (tape.Record()) loss = Sprout.Core.Ops.SoftmaxCrossEntropy(model.Forward(x), labels, batch);
                tape.Backward(loss);
                opt.Step();
                opt.ZeroGrad();
                tape.Reset();
            });
            if (s > 1) best[path] = Math.Min(best[path], t);
        }
        ConvGemm.PanelsEnabled = true;
        return (best[0], best[1]);
    }

    private static double Cpu(Action action)
    {
        using var process = Process.GetCurrentProcess();
        var t0 = process.TotalProcessorTime;
        action();
        process.Refresh();
        return (process.TotalProcessorTime - t0).TotalSeconds;
    }
}
