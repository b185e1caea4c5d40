// `convlayers`: the always-sparse conv kernels on the real layers of a sparse conv net (ERK topologies of
// ConvNetBenchmark.Build, first layer dense), per layer kind: forward, input gradient and weight gradient each timed
// over all the net's layers of that kind, median of --reps rounds, with the executed GFLOP/s (2 per live
// multiply-add). With --compare, every product is also timed on the previous kernels (SparseConv.LegacyStride1 = true)
// in the same rounds, alternating, so the ratio is the change the new kernels make. --threads 1 times process CPU
// time instead of wall time, which other processes on a shared machine disturb far less. --baseline plain compares
// against the plain padded blocks instead (SparseConv.ShiftedColumnsEnabled = false). "bwd" is SparseConv.Backward
// (dX and dW in one call, what training runs).
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Nn;
using Sprout.Nn.Diagnostics;

namespace Sprout.Bench.Sparse;

internal static class ConvLayerBench
{
    private sealed record Layer(string Kind, SparseConvGeometry G, int[] Ptr, int[] Idx, int[] Cptr, int[] Ridx, int[] Perm, float[] Values);

    public static void Run(string model, int batch, int reps, double[] densities, bool compare, int threads, string baseline = "legacy")
    {
        var ci = CultureInfo.InvariantCulture;
        Parallelism.Threads = threads;
        using var process = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(ci, $"{model}, batch {batch}, {reps} rounds, median ms per step's worth of layers ({(threads == 1 ? "CPU ms of the one thread" : "wall ms")}); threads {Parallelism.Threads}; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        Console.WriteLine("| density | kind | layers | nnz | fwd ms | fwd GFLOP/s | dX ms | dX GFLOP/s | dW ms | dW GFLOP/s | bwd ms |" + (compare ? $" {baseline} fwd | {baseline} dX | {baseline} dW | {baseline} bwd |" : ""));
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (compare ? "---:|---:|---:|---:|" : ""));
        Action<bool> old = baseline == "plain" ? on => SparseConv.ShiftedColumnsEnabled = !on : on => SparseConv.LegacyStride1 = on;
        foreach (double density in densities)
        {
            var layers = Layers(model, density, batch);
            foreach (var kind in layers.Select(l => l.Kind).Distinct())
            {
                var group = layers.Where(l => l.Kind == kind).ToArray();
                var buffers = group.Select(l => (X: Random((int)l.G.InputLength, 1), Y: new float[l.G.OutputLength], Dy: Random((int)l.G.OutputLength, 2),
                    Dx: new float[l.G.InputLength], Dw: new float[l.Idx.Length], Dx2: new float[l.G.InputLength], Dw2: new float[l.Idx.Length])).ToArray();
                Action[] runs =
                [
                    () => { for (int i = 0; i < group.Length; i++) SparseConv.Forward(group[i].Ptr, group[i].Idx, group[i].Values, buffers[i].X, buffers[i].Y, group[i].G, false); },
                    () => { for (int i = 0; i < group.Length; i++) SparseConv.InputGradient(group[i].Cptr, group[i].Ridx, group[i].Perm, group[i].Values, buffers[i].Dy, buffers[i].Dx, group[i].G, false); },
                    () => { for (int i = 0; i < group.Length; i++) SparseConv.WeightGradient(group[i].Ptr, group[i].Idx, buffers[i].X, buffers[i].Dy, buffers[i].Dw, group[i].G, false); },
                    () =>
                    {
                        for (int i = 0; i < group.Length; i++)
                            SparseConv.Backward(group[i].Ptr, group[i].Idx, group[i].Cptr, group[i].Ridx, group[i].Perm, group[i].Values, buffers[i].X, buffers[i].Dy,
                                buffers[i].Dx2, buffers[i].Dw2, group[i].G, false, false);
                    },
                ];
                var times = new List<double>[compare ? 8 : 4];
                for (int k = 0; k < times.Length; k++) times[k] = [];
                for (int rep = -1; rep < reps; rep++)
                    for (int k = 0; k < times.Length; k++)
                    {
                        int which = (rep & 1) == 1 && compare ? (k + 4) % 8 : k; // alternate which path goes first
                        old(which >= 4);
                        process.Refresh();
                        var cpu0 = process.TotalProcessorTime;
                        long t0 = Stopwatch.GetTimestamp();
                        runs[which % 4]();
                        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        process.Refresh();
                        if (threads == 1) ms = (process.TotalProcessorTime - cpu0).TotalMilliseconds; // one thread: its CPU time, robust to load
                        old(false);
                        if (rep >= 0) times[which].Add(ms);
                    }
                double macs = group.Sum(l => (double)l.Idx.Length * l.G.Positions);
                double[] med = times.Select(Median).ToArray();
                string Gf(double ms) => (2 * macs / ms / 1e6).ToString("0.0", ci);
                Console.WriteLine(string.Create(ci, $"| {density} | {kind} | {group.Length} | {group.Sum(l => l.Idx.Length):N0} | {med[0]:0.00} | {Gf(med[0])} | {med[1]:0.00} | {Gf(med[1])} | {med[2]:0.00} | {Gf(med[2])} | {med[3]:0.00} |")
                    + (compare ? string.Create(ci, $" {med[4]:0.00} ({med[4] / med[0]:0.00}×) | {med[5]:0.00} ({med[5] / med[1]:0.00}×) | {med[6]:0.00} ({med[6] / med[2]:0.00}×) | {med[7]:0.00} ({med[7] / med[3]:0.00}×) |") : ""));
            }
        }
    }

    /// <summary>
    /// What an output-tiled (input-stationary) stride-1 kernel could reuse on the real layers: for blocks of b output
    /// channels, the distinct (input channel, tap) pairs with a live weight in the block (one input load each) per live
    /// weight (one multiply-add each), and the mean live output channels per such pair.
    /// </summary>
    public static void Reuse(string model, double[] densities)
    {
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine("| density | kind | weight density | loads per multiply-add, blocks of 4 / 8 / 16 / all output channels | live channels per loaded (c, tap), same blocks |");
        Console.WriteLine("|---|---|---:|---|---|");
        foreach (double density in densities)
            foreach (var group in Layers(model, density, 1).Where(l => l.G.Window.StrideHeight == 1 && l.G.Window.KernelHeight == 3).GroupBy(l => l.Kind))
            {
                int[] blocks = [4, 8, 16, int.MaxValue];
                long nnz = group.Sum(l => (long)l.Idx.Length), dense = group.Sum(l => (long)l.G.OutChannels * l.G.FanIn);
                var distinct = blocks.Select(b => group.Sum(l =>
                {
                    long count = 0;
                    int bb = Math.Min(b, l.G.OutChannels);
                    for (int r0 = 0; r0 < l.G.OutChannels; r0 += bb)
                        count += Enumerable.Range(r0, Math.Min(bb, l.G.OutChannels - r0)).SelectMany(r => l.Idx[l.Ptr[r]..l.Ptr[r + 1]]).Distinct().Count();
                    return count;
                })).ToArray();
                Console.WriteLine(string.Create(ci, $"| {density} | {group.Key} | {(double)nnz / dense:0.000} | {string.Join(" / ", distinct.Select(d => ((double)d / nnz).ToString("0.00", ci)))} | {string.Join(" / ", distinct.Select(d => ((double)nnz / d).ToString("0.0", ci)))} |"));
            }
    }

    // The sparse conv layers of the model at the density, with the input size each one sees (from its MAC count).
    private static List<Layer> Layers(string model, double density, int batch)
    {
        var net = ConvNetBenchmark.Build(model, density, new ConvBenchOptions());
        var input = new Tensor(2, 3 * 32 * 32);
        using (new Tape().Evaluate()) net.Forward(input); // sets each layer's output size
        var list = new List<Layer>();
        foreach (var conv in net.Modules().OfType<SparseConv2d>())
        {
            var s = conv.Shape;
            int outSize = (int)Math.Round(Math.Sqrt(conv.DenseMacsPerSample / 3.0 / conv.Topology.Positions));
            int size = outSize * s.Stride;
            var g = new SparseConvGeometry(s.InChannels, s.OutChannels, batch, size, size, s.Window);
            var t = conv.Topology;
            string kind = $"{s.KernelHeight}x{s.KernelWidth} s{s.Stride} {s.InChannels}→{s.OutChannels} {size}px";
            list.Add(new Layer(kind, g, t.RowPointers.ToArray(), t.ColumnIndices.ToArray(), t.ColumnPointers.ToArray(), t.RowIndices.ToArray(),
                t.TransposePermutation.ToArray(), t.Values.AsSpan(0, t.Nnz).ToArray()));
        }
        return list;
    }

    private static float[] Random(int n, ulong seed)
    {
        var a = new float[n];
        new Rng(seed).FillNormal(a, 0, 1);
        return a;
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
