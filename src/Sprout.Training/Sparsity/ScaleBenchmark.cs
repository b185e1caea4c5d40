// ScaleBenchmark (`bench scale`): how training cost grows with width at fixed fan-in. MNIST MLP 784-W-W-10 where
// every neuron has exactly FanIn active inputs (CSR layers throughout), trained for a fixed number of SGD steps per
// width; reports time per step, the extrapolated epoch time, and peak memory. At fixed fan-in the work per step is
// ∝ W, so time should grow linearly (log-log slope ≈ 1). Not a correctness test; accuracy is not measured here.
// Each width runs in its own method after the previous one is collected, and (on Linux) with the peak working set
// reset, so its memory columns are its own, not the leftovers of smaller widths.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;

namespace Sprout.Training.Sparsity;

/// <summary>Runs the width sweep.</summary>
public static class ScaleBenchmark
{
    /// <summary>Trains 784-W-W-10 at fan-in <paramref name="fanIn"/> for each width, <paramref name="steps"/> timed steps after one warm-up step.</summary>
    public static IReadOnlyList<ScaleResult> Run(Dataset train, IReadOnlyList<int> widths, int fanIn, int steps, int batch, TextWriter? log = null)
    {
        var loader = new DataLoader(train, new DataLoaderOptions { BatchSize = batch, Shuffle = true, Seed = 1, DropLast = true, Flatten = true });
        var results = new List<ScaleResult>();
        foreach (int w in widths)
        {
            // The previous width's model and buffers are unreachable once RunWidth returns; Reset collects them (and
            // compacts the large-object heap) so that they neither count in this width's peak nor stay mapped.
            bool perWidth = Runs.ProcessPeakMemory.Reset();
            var r = RunWidth(train, loader, w, fanIn, steps);
            results.Add(r);
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"W={w,9} nnz={r.Nnz,12:N0} {r.MsPerStep,10:0.0} ms/step (cpu {r.CpuMsPerStep:0}) epoch≈{r.EpochSeconds,8:0.0} s  peakWS={r.PeakWorkingSetMb,8:0} MB{(perWidth ? "" : " (whole run)")}  heap={r.ManagedHeapMb,8:0} MB"));
        }
        return results;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ScaleResult RunWidth(Dataset train, DataLoader loader, int w, int fanIn, int steps)
    {
        var model = Build(train.SampleSize, w, train.ClassCount, fanIn, new Rng((ulong)w));
        long nnz = model.Modules().OfType<SparseLinear>().Sum(l => (long)l.Topology.Nnz);
        var opt = new Sgd(model.NamedParameters(), 0.01f, momentum: 0.9f);
        var tape = new Tape();
        SparseEpochLoop.TrainEpoch(model, loader, opt, tape, null, 0, maxBatches: 1); // warm-up: JIT, pools
        using var proc = Process.GetCurrentProcess();
        var cpu0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var (_, _, done) = SparseEpochLoop.TrainEpoch(model, loader, opt, tape, null, 1, maxBatches: steps);
        double ms = sw.Elapsed.TotalMilliseconds / done;
        proc.Refresh();
        double cpuMs = (proc.TotalProcessorTime - cpu0).TotalMilliseconds / done;
        double peakMb = proc.PeakWorkingSet64 / 1048576.0;
        double liveMb = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0; // model, optimizer state and buffers (all live here)
        GC.KeepAlive(tape);
        GC.KeepAlive(opt);
        return new ScaleResult(w, 2L * w, nnz, done, ms, ms * loader.BatchesPerEpoch / 1000, peakMb, liveMb) { CpuMsPerStep = cpuMs };
    }

    /// <summary>
    /// The benchmark's model: inputs-W-W-classes, every neuron with min(fanIn, its inputs) random active inputs, ReLUs fused
    /// and activations feature-major between the sparse layers. No topology method runs, so the layers keep no batch cache.
    /// </summary>
    public static Sequential Build(int inputs, int width, int classes, int fanIn, Rng rng)
    {
        Module[] layers =
        [
            new Flatten(),
            new SparseLinear(CsrMatrix.RandomPerRow(width, inputs, Math.Min(fanIn, inputs), rng), rng) { CachesBatch = false }, new Relu(),
            new SparseLinear(CsrMatrix.RandomPerRow(width, width, Math.Min(fanIn, width), rng), rng) { CachesBatch = false }, new Relu(),
            new SparseLinear(CsrMatrix.RandomPerRow(classes, width, Math.Min(fanIn, width), rng), rng) { CachesBatch = false },
        ];
        return new Sequential(SparseModels.FuseSparseChains(layers)).WithSparseLayerNames();
    }

    /// <summary>Log-log slope of time per step against width (least squares).</summary>
    public static double Slope(IReadOnlyList<ScaleResult> results)
    {
        var xs = results.Select(r => Math.Log(r.Width)).ToArray();
        var ys = results.Select(r => Math.Log(r.MsPerStep)).ToArray();
        double mx = xs.Average(), my = ys.Average();
        double num = 0, den = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            num += (xs[i] - mx) * (ys[i] - my);
            den += (xs[i] - mx) * (xs[i] - mx);
        }
        return den == 0 ? double.NaN : num / den;
    }

    /// <summary>CSV with a header line.</summary>
    public static string ToCsv(IReadOnlyList<ScaleResult> results)
    {
        var sb = new StringBuilder("width,hidden_neurons,nnz,steps,ms_per_step,epoch_seconds,peak_working_set_mb,managed_heap_mb\n");
        foreach (var r in results)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{r.Width},{r.HiddenNeurons},{r.Nnz},{r.Steps},{r.MsPerStep:0.###},{r.EpochSeconds:0.###},{r.PeakWorkingSetMb:0.#},{r.ManagedHeapMb:0.#}"));
        return sb.ToString();
    }

    /// <summary>A log-log SVG plot of time per step against width, with the ideal slope-1 line through the first point.</summary>
    public static string ToSvg(IReadOnlyList<ScaleResult> results)
    {
        const double W = 560, H = 380, L = 70, R = 20, T = 30, B = 50;
        double x0 = Math.Log10(results.Min(r => r.Width)), x1 = Math.Log10(results.Max(r => r.Width));
        double y0 = Math.Log10(results.Min(r => r.MsPerStep)), y1 = Math.Log10(results.Max(r => r.MsPerStep));
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) y1 = y0 + 1;
        string P(double lx, double ly) => string.Create(CultureInfo.InvariantCulture,
            $"{L + (lx - x0) / (x1 - x0) * (W - L - R):0.#},{H - B - (ly - y0) / (y1 - y0) * (H - T - B):0.#}");
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">"));
        sb.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{L}\" y=\"18\">bench scale: ms/step vs hidden width W (log-log), 784-W-W-10, fan-in 20</text>"));
        sb.AppendLine($"<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"{string.Join(" ", results.Select(r => P(Math.Log10(r.Width), Math.Log10(r.MsPerStep))))}\"/>");
        var first = results[0];
        double ideal = Math.Log10(first.MsPerStep) + (x1 - Math.Log10(first.Width));
        sb.AppendLine($"<line stroke=\"#999\" stroke-dasharray=\"4\" x1=\"{P(Math.Log10(first.Width), Math.Log10(first.MsPerStep)).Split(',')[0]}\" y1=\"{P(0, Math.Log10(first.MsPerStep)).Split(',')[1]}\" x2=\"{P(x1, ideal).Split(',')[0]}\" y2=\"{P(x1, ideal).Split(',')[1]}\"/>");
        foreach (var r in results)
        {
            var xy = P(Math.Log10(r.Width), Math.Log10(r.MsPerStep)).Split(',');
            sb.AppendLine($"<circle cx=\"{xy[0]}\" cy=\"{xy[1]}\" r=\"3\" fill=\"#1f77b4\"/>");
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{xy[0]}\" y=\"{H - B + 18}\" text-anchor=\"middle\">{r.Width:N0}</text>"));
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{double.Parse(xy[0], CultureInfo.InvariantCulture) + 5}\" y=\"{double.Parse(xy[1], CultureInfo.InvariantCulture) - 5}\">{r.MsPerStep:0.#} ms</text>"));
        }
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"{H - 8}\" text-anchor=\"middle\">W (dashed: slope 1)</text>"));
        sb.AppendLine("</svg>");
        return sb.ToString();
    }
}
