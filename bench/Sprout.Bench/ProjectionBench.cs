// ProjectionBench: the CSR kernels of the small ViT's sparse projections alone, at the step's row count (B·N = 8192
// token rows, feature-major as SparseLinearOp runs them), against the dense GEMMs of the same layers, so their rates per
// multiply-add can be compared. Per layer shape: forward SpMM, the fused backward (dX and dValues in one pass), and the
// dense Linear's three GEMMs as Ops.Linear makes them: forward [8192 × in]·[out × in]ᵀ, dX = dY·W, dW = dYᵀ·X.
// Rates count the useful multiply-adds (nnz·batch for CSR).
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;
using static Sprout.Bench.BenchCommon;

namespace Sprout.Bench;

/// <summary>The projection kernel benchmark (see the file header).</summary>
public static class ProjectionBench
{
    /// <summary>Runs it: <c>[--reps N] [--density D] [--batch B]</c>.</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int reps = Option(args, "--reps", 10), batch = Option(args, "--batch", 8192);
        int at = Array.IndexOf(args, "--density");
        double density = at >= 0 ? double.Parse(args[at + 1], ci) : 0.1;
        Console.WriteLine(string.Create(ci, $"CSR projections at batch {batch}, density {density}, {Parallelism.Threads} threads, {reps} reps; load average {Sprout.Nn.Diagnostics.ConvNetBenchmark.LoadAverage()}"));
        foreach (var (name, outF, inF) in new[] { ("qkv", 384, 128), ("out", 128, 128), ("fc1", 256, 128), ("fc2", 128, 256) })
        {
            var w = CsrMatrix.RandomWithDensity(outF, inF, density, new Rng(1));
            new Rng(2).FillNormal(w.Values, 0, 0.1f);
            float[] x = new float[inF * batch], y = new float[outF * batch], dy = new float[outF * batch], dx = new float[inF * batch];
            float[] dv = new float[w.Nnz], a = new float[batch * inF], wd = new float[inF * outF], c = new float[batch * outF];
            float[] da = new float[batch * inF], dw = new float[inF * outF];
            new Rng(3).FillNormal(x, 0, 1);
            new Rng(4).FillNormal(dy, 0, 1);
            new Rng(5).FillNormal(a, 0, 1);
            List<double> f = [], b = [], g = [], gx = [], gw = [];
            for (int r = 0; r < reps + 2; r++)
            {
                double tf = Time(() => Csr.SpMM(w.RowPointers, w.ColumnIndices, w.Values, x, y, outF, inF, batch, accumulate: false));
                double tb = Time(() => Csr.SpMMBackward(w.ColumnPointers, w.RowIndices, w.TransposePermutation, w.Values, x, dy, dx, dv,
                    outF, inF, batch, accumulateInput: false, accumulateValues: false));
                double tg = Time(() => Gemm.Multiply(a, wd, c, batch, outF, inF, transB: true));
                double tx = Time(() => Gemm.Multiply(c, wd, da, batch, inF, outF));
                double tw = Time(() => Gemm.Multiply(c, a, dw, outF, inF, batch, transA: true));
                if (r < 2) continue;
                f.Add(tf); b.Add(tb); g.Add(tg); gx.Add(tx); gw.Add(tw);
            }
            double macs = (double)w.Nnz * batch, dense = (double)inF * outF * batch;
            double mf = Median(f), mb = Median(b), mg = Median(g), mx = Median(gx), mw = Median(gw);
            Console.WriteLine(string.Create(ci,
                $"  {name} [{outF}x{inF}] nnz {w.Nnz}: SpMM {mf:0.00} ms {2 * macs / mf / 1e6:0.0} GFLOP/s; backward {mb:0.00} ms {4 * macs / mb / 1e6:0.0} GFLOP/s; dense GEMM {mg:0.00} ms {2 * dense / mg / 1e6:0.0} GFLOP/s; SpMM/GEMM time {mf / mg:0.00}; dense dX {mx:0.00} ms {2 * dense / mx / 1e6:0.0} GFLOP/s, dW {mw:0.00} ms {2 * dense / mw / 1e6:0.0} GFLOP/s"));
        }
    }
}
