// `ceiling`: how fast the CSR kernels can go on this machine, to tell a slow kernel from a memory-bound one.
// Each kernel of `sprout bench sparse` (4096×4096, batch 256) runs twice at the same nnz and batch: once on the
// benchmark's uniform random pattern, whose input rows (1 KB each, 4 MB in all) come from L3, and once with every
// row's columns confined to a window of `window` inputs (for the backward, every column's rows to `window` outputs),
// so the rows it gathers stay in L2. The gap between the two
// is what the memory hierarchy costs; the windowed rate bounds any reordering of the same loops that still gathers
// from L2 (batch tiles, column panels), since they can at best make the random pattern behave like the windowed one.
// The dense GEMM forward of the same layer is timed alongside, on the same thread count, and two loops on one core
// give the hardware's own limits: 16 independent FMAs on registers (the FMA peak), and the same FMAs each taking one
// operand from a 32 KB buffer (what one vector load per FMA costs when the data is in L1, the best case a CSR kernel
// could hope for).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Kernels.Diagnostics;
using Sprout.Sparse;

namespace Sprout.Bench.Sparse;

internal static class CeilingBench
{
    private const int Size = 4096, Batch = 256;

    public static void Run(int window)
    {
        var ci = CultureInfo.InvariantCulture;
        var rng = new Rng(1);
        float[] x = new float[Size * Batch], y = new float[Size * Batch], dy = new float[Size * Batch], dx = new float[Size * Batch];
        float[] w = new float[Size * Size];
        rng.FillUniform(x, -1, 1);
        rng.FillUniform(dy, -1, 1);
        rng.FillNormal(w, 0, 0.01f);
        Console.WriteLine($"{Size}×{Size}, batch {Batch}; GFLOP/s counts 2 per multiply-add; window = {window} inputs ({window * Batch * 4 / 1024} KB of X)");
        if (Vector512.IsHardwareAccelerated)
        {
            Console.WriteLine(string.Create(ci, $"one core: FMA peak {GemmBenchmark.MeasureFmaPeakGflops(1, TimeSpan.FromSeconds(0.5)):0.0} GFLOP/s, FMA with one L1 vector load each {CoreLoops.L1FmaRate():0.0} GFLOP/s"));
        }
        Console.WriteLine("threads  density  pattern   forward GFLOP/s  fused backward GFLOP/s  dense forward GFLOP/s");
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in saved == 1 ? new[] { 1 } : new[] { 1, saved })
            {
                Parallelism.Threads = threads;
                double denseFlops = 2.0 * Size * Size * Batch;
                double dense = Best(() => Gemm.Multiply(x, w, y, Batch, Size, Size, transA: false, transB: true, accumulate: false));
                foreach (double density in new[] { 0.05, 0.01 })
                {
                    int perRow = (int)Math.Round(density * Size);
                    foreach (bool windowed in new[] { false, true })
                    {
                        // Forward gathers rows of X: confine every row's columns to the first `cols` inputs.
                        int cols = windowed ? Math.Max(window, perRow) : Size;
                        var m = CsrMatrix.RandomPerRow(Size, cols, perRow, rng);
                        rng.FillNormal(m.Values, 0, 0.01f);
                        double flops = 2.0 * m.Nnz * Batch;
                        double forward = Best(() => Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x.AsSpan(0, cols * Batch), y, Size, cols, Batch, false));
                        // The fused backward gathers rows of dY: confine the nonzeros to the first `rows` outputs instead
                        // (same nnz, every input column keeps about perRow nonzeros).
                        int rows = windowed ? Math.Max(window, perRow) : Size;
                        var b = CsrMatrix.RandomPerRow(rows, Size, (int)((long)perRow * Size / rows), rng);
                        rng.FillNormal(b.Values, 0, 0.01f);
                        var grad = new float[b.Nnz];
                        double backward = Best(() => Csr.SpMMBackward(b.ColumnPointers, b.RowIndices, b.TransposePermutation, b.Values,
                            x, dy.AsSpan(0, rows * Batch), dx, grad, rows, Size, Batch, false, false));
                        Console.WriteLine(string.Create(ci, $"{threads,7}  {density,7}  {(windowed ? "window" : "random"),-8}  {flops / forward / 1e6,15:0.0}  " +
                                                            $"{4.0 * b.Nnz * Batch / backward / 1e6,22:0.0}  {denseFlops / dense / 1e6,21:0.0}"));
                    }
                }
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }

    /// <summary>Best of seven runs after one warm-up, in ms.</summary>
    private static double Best(Action run)
    {
        run();
        double best = double.MaxValue;
        for (int i = 0; i < 7; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return best;
    }
}
