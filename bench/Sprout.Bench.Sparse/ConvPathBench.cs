// `conv`: the always-sparse convolution's two candidate paths on ResNet-20 and WRN-22-2 layer shapes at batch 128,
// timed alternately in one run: direct sparse convolution (SparseConv, no buffer) versus batch im2col + the CSR
// SpMM kernels (forward Y = W·cols; backward the fused Wᵀ·dY + SDDMM pass, then col2im). Prints a markdown table
// of median milliseconds and the im2col buffer bytes. Ratios only mean something within one run. A fifth and sixth run
// time the library's forward and backward as shipped (at stride 2: phase planes on even planes, else ConvPanels'
// used-tap panels; elsewhere the direct kernels again, which shows the noise); "direct" is then SparseConv with
// SparseConv.PanelsEnabled and PolyphaseEnabled false.
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Bench.Sparse;

internal static class ConvPathBench
{
    private sealed record Layer(string Name, int Cin, int Cout, int Size, int Stride);

    private static readonly Layer[] Layers =
    [
        new("resnet20 16→16 32px", 16, 16, 32, 1),
        new("resnet20 16→32 32px s2", 16, 32, 32, 2),
        new("resnet20 32→32 16px", 32, 32, 16, 1),
        new("resnet20 32→64 16px s2", 32, 64, 16, 2),
        new("resnet20 64→64 8px", 64, 64, 8, 1),
        new("wrn-22-2 128→128 8px", 128, 128, 8, 1),
    ];

    public static void Run(int batch, int reps, double[] densities)
    {
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"batch {batch}, {reps} alternating repetitions, median ms, ratios = median of per-repetition ratios; threads {Parallelism.Threads}"));
        Console.WriteLine("| layer | density | nnz | direct fwd | im2col+SpMM fwd | direct bwd | im2col+SpMM bwd | fwd im2col/direct | bwd im2col/direct | im2col buffers (cols + dCols) | library fwd | direct/library fwd | im2col/library fwd | library bwd | direct/library bwd | im2col/library bwd |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var layer in Layers)
            foreach (double density in densities)
            {
                var g = new SparseConvGeometry(layer.Cin, layer.Cout, batch, layer.Size, layer.Size, new Window2d(3, 3, layer.Stride, layer.Stride, 1, 1));
                var (ptr, idx, vals) = RandomCsr(g.OutChannels, g.FanIn, density, new Rng(7));
                int nnz = idx.Length;
                int[] cptr = new int[g.FanIn + 1], ridx = new int[nnz], perm = new int[nnz];
                Csr.BuildTransposedIndex(ptr, idx, g.OutChannels, g.FanIn, cptr, ridx, perm);
                float[] x = Random((int)g.InputLength, 1), dy = Random((int)g.OutputLength, 2);
                float[] y = new float[g.OutputLength], dx = new float[g.InputLength], dw = new float[nnz];
                long colLen = (long)g.FanIn * g.Positions;
                float[] cols = new float[colLen], dCols = new float[colLen];

                void DirectForward()
                {
                    (SparseConv.PanelsEnabled, SparseConv.PolyphaseEnabled) = (false, false);
                    SparseConv.Forward(ptr, idx, vals, x, y, g, accumulate: false);
                    (SparseConv.PanelsEnabled, SparseConv.PolyphaseEnabled) = (true, true);
                }
                // The library's forward: at stride 2 phase planes (even planes) or ConvPanels' used-tap panels, else the same as direct.
                void LibraryForward() => SparseConv.Forward(ptr, idx, vals, x, y, g, accumulate: false);
                void DirectBackward()
                {
                    (SparseConv.PanelsEnabled, SparseConv.PolyphaseEnabled) = (false, false);
                    LibraryBackward();
                    (SparseConv.PanelsEnabled, SparseConv.PolyphaseEnabled) = (true, true);
                }
                void LibraryBackward()
                {
                    SparseConv.InputGradient(cptr, ridx, perm, vals, dy, dx, g, accumulate: true);
                    SparseConv.WeightGradient(ptr, idx, x, dy, dw, g, accumulate: true);
                }
                void Im2ColForward()
                {
                    BatchIm2Col.Im2Col(x, cols, g);
                    Csr.SpMM(ptr, idx, vals, cols, y, g.OutChannels, g.FanIn, g.Positions, accumulate: false);
                }
                void Im2ColBackward()
                {
                    Csr.SpMMBackward(cptr, ridx, perm, vals, cols, dy, dCols, dw, g.OutChannels, g.FanIn, g.Positions, accumulateInput: false, accumulateValues: true);
                    BatchIm2Col.Col2Im(dCols, dx, g);
                }

                Action[] runs = [DirectForward, Im2ColForward, DirectBackward, Im2ColBackward, LibraryForward, LibraryBackward];
                var times = runs.Select(_ => new List<double>()).ToArray();
                foreach (var r in runs) r(); // warm-up (JIT, page faults)
                for (int rep = 0; rep < reps; rep++)
                    for (int k = 0; k < runs.Length; k++)
                    {
                        int which = rep % 2 == 0 ? k : (k ^ 1); // alternate which path goes first
                        long t0 = Stopwatch.GetTimestamp();
                        runs[which]();
                        times[which].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    }
                static double Median(IEnumerable<double> v) => v.Order().ElementAt(v.Count() / 2);
                double[] med = times.Select(Median).ToArray();
                // Ratios of the two paths timed back to back in the same repetition: robust to the host's drift.
                double fwd = Median(times[1].Zip(times[0], (a, d) => a / d)), bwd = Median(times[3].Zip(times[2], (a, d) => a / d));
                double panel = Median(times[0].Zip(times[4], (d, p) => d / p)), panelVsIm2Col = Median(times[1].Zip(times[4], (a, p) => a / p));
                double panelB = Median(times[2].Zip(times[5], (d, p) => d / p)), panelBVsIm2Col = Median(times[3].Zip(times[5], (a, p) => a / p));
                Console.WriteLine(string.Create(ci,
                    $"| {layer.Name} | {density} | {nnz} | {med[0]:0.00} | {med[1]:0.00} | {med[2]:0.00} | {med[3]:0.00} | {fwd:0.00}× | {bwd:0.00}× | {2 * colLen * 4 / 1e6:0.0} MB | {med[4]:0.00} | {panel:0.00}× | {panelVsIm2Col:0.00}× | {med[5]:0.00} | {panelB:0.00}× | {panelBVsIm2Col:0.00}× |"));
            }
    }

    private static float[] Random(int n, ulong seed)
    {
        var a = new float[n];
        new Rng(seed).FillUniform(a, -1f, 1f);
        return a;
    }

    /// <summary>A uniformly random pattern with exactly round(density·cols) live weights per row.</summary>
    private static (int[] Ptr, int[] Idx, float[] Values) RandomCsr(int rows, int cols, double density, Rng rng)
    {
        int perRow = Math.Max(1, (int)Math.Round(density * cols));
        var ptr = new int[rows + 1];
        var idx = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            var chosen = new SortedSet<int>();
            while (chosen.Count < perRow) chosen.Add(rng.NextInt(cols));
            idx.AddRange(chosen);
            ptr[r + 1] = idx.Count;
        }
        return (ptr, idx.ToArray(), Random(idx.Count, 3));
    }
}
