// AttentionBench: the fused attention kernels alone (Kernels.Attention forward and backward) at the small ViT's
// shapes (batch 128, 64 tokens, 4 heads of 32), batch-major or feature-major, for tuning them without a whole training
// step around them. Reports
// the median over repetitions and the rate in GFLOP/s (forward 2·B·h·N²·d multiply-adds, backward twice that), and
// for comparison the dense GEMM of the qkv projection ([8192 × 128]·[128 × 384]) on the same machine in the same run.
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Kernels;
using static Sprout.Bench.BenchCommon;

namespace Sprout.Bench;

/// <summary>The attention kernel benchmark (see the file header).</summary>
public static class AttentionBench
{
    /// <summary>Runs it: <c>[--reps N] [--batch B] [--tokens N] [--heads H] [--dim D] [--scale S] [--threads T] [--feature-major] [--layernorm]</c>
    /// (S: std of the random qkv; --layernorm times the blocks' LayerNorm at [B·N × h·d] instead).</summary>
    public static void Run(string[] args)
    {
        var ci = CultureInfo.InvariantCulture;
        int reps = Option(args, "--reps", 20), batch = Option(args, "--batch", 128), n = Option(args, "--tokens", 64);
        int heads = Option(args, "--heads", 4), d = Option(args, "--dim", 32);
        Parallelism.Threads = Option(args, "--threads", Parallelism.Threads);
        bool featureMajor = args.Contains("--feature-major");
        if (args.Contains("--layernorm"))
        {
            LayerNormTimes(reps, batch * n, heads * d);
            return;
        }
        int at = Array.IndexOf(args, "--scale");
        float scale = at >= 0 ? float.Parse(args[at + 1], ci) : 1f;
        int rows = batch * n, inner = heads * d;
        var qkv = new float[rows * 3 * inner];
        var output = new float[rows * inner];
        var weights = new float[batch * heads * n * n];
        var dOutput = new float[rows * inner];
        var dQkv = new float[qkv.Length];
        new Rng(1).FillNormal(qkv, 0, scale);
        new Rng(2).FillNormal(dOutput, 0, 1);
        var a = new float[rows * inner];
        var w = new float[inner * 3 * inner];
        var c = new float[rows * 3 * inner];
        new Rng(3).FillNormal(a, 0, 1);
        new Rng(4).FillNormal(w, 0, 1);

        double macs = (double)batch * heads * n * n * d * 2, gemmMacs = (double)rows * inner * 3 * inner;
        List<double> fwd = [], bwd = [], gemm = [];
        for (int r = 0; r < reps + 2; r++)
        {
            double tf = featureMajor
                ? Time(() => Attention.ForwardFeatureMajor(qkv, output, weights, batch, n, heads, d))
                : Time(() => Attention.Forward(qkv, output, weights, batch, n, heads, d));
            double tb = featureMajor
                ? Time(() => Attention.BackwardFeatureMajor(qkv, weights, dOutput, dQkv, batch, n, heads, d, accumulate: false))
                : Time(() => Attention.Backward(qkv, weights, dOutput, dQkv, batch, n, heads, d, accumulate: false));
            double tg = Time(() => Gemm.Multiply(a, w, c, rows, 3 * inner, inner));
            if (r < 2) continue;
            fwd.Add(tf); bwd.Add(tb); gemm.Add(tg);
        }
        double mf = Median(fwd), mb = Median(bwd), mg = Median(gemm);
        Console.WriteLine(string.Create(ci, $"attention {(featureMajor ? "feature-major" : "batch-major")} B={batch} N={n} h={heads} d={d}, qkv std {scale}, {Parallelism.Threads} threads, {reps} reps; load average {Sprout.Nn.Diagnostics.ConvNetBenchmark.LoadAverage()}"));
        Console.WriteLine(string.Create(ci, $"  forward  {mf,8:0.00} ms  {2 * macs / mf / 1e6,6:0.0} GFLOP/s"));
        Console.WriteLine(string.Create(ci, $"  backward {mb,8:0.00} ms  {4 * macs / mb / 1e6,6:0.0} GFLOP/s"));
        Console.WriteLine(string.Create(ci, $"  GEMM [{rows}x{inner}]x[{inner}x{3 * inner}] {mg,8:0.00} ms  {2 * gemmMacs / mg / 1e6,6:0.0} GFLOP/s"));
    }

    /// <summary>LayerNorm forward and backward (dx, dγ, dβ) at [rows × cols], medians over reps.</summary>
    private static void LayerNormTimes(int reps, int rows, int cols)
    {
        var ci = CultureInfo.InvariantCulture;
        float[] x = new float[rows * cols], y = new float[rows * cols], dy = new float[rows * cols], dx = new float[rows * cols];
        float[] gamma = new float[cols], beta = new float[cols], dg = new float[cols], db = new float[cols], mean = new float[rows], rstd = new float[rows];
        new Rng(1).FillNormal(x, 0, 1);
        new Rng(2).FillNormal(dy, 0, 1);
        new Rng(3).FillNormal(gamma, 1, 0.1f);
        List<double> f = [], b = [];
        for (int r = 0; r < reps + 2; r++)
        {
            double tf = Time(() => LayerNorm.Forward(x, gamma, beta, y, mean, rstd, rows, cols));
            double tb = Time(() => LayerNorm.Backward(dy, x, gamma, mean, rstd, dx, dg, db, rows, cols));
            if (r < 2) continue;
            f.Add(tf); b.Add(tb);
        }
        Console.WriteLine(string.Create(ci, $"LayerNorm [{rows}x{cols}], {Parallelism.Threads} threads, {reps} reps: forward {Median(f):0.000} ms, backward {Median(b):0.000} ms"));
    }
}
