// `vit`: one dense training step of the issue's small ViT (patch 4, dim 128, depth 6, heads 4, MLP 256) at batch 128 on
// random 3×32×32 images, and where its time goes. The step (forward, backward, AdamW) is timed whole; then each family
// of kernels is timed alone with exactly the shapes and calls the step makes (Ops.Linear's three GEMMs per projection,
// the fused attention kernel per block, LayerNorm, GELU), alternating families round by round so all see the same
// machine. The remainder is everything else (adds, patchify, loss, AdamW, clearing). The same attention built from the
// primitive ops (head split/merge, six batched GEMMs, softmax per block) is timed too, for comparison; the step does not run it.
using System.Diagnostics;
using System.Globalization;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using LayerNormKernel = Sprout.Kernels.LayerNorm;

namespace Sprout.Bench.Sparse;

internal static class VitBench
{
    public static void Run(int batch, int steps, int rounds)
    {
        var ci = CultureInfo.InvariantCulture;
        var c = VitSpec.Parse("vit:patch=4,dim=128,depth=6,heads=4,mlp=256", 3, 32, 32, 10);
        var model = new SimpleVit(c, new DenseFactory(new Rng(1)), new Rng(2));
        var images = new Tensor(batch, 3 * 32 * 32);
        new Rng(3).FillUniform(images.Data, -1f, 1f);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 1e-3f, weightDecay: 0.05f);
        var tape = new Tape();
        void Step()
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(images), labels, batch);
            tape.Backward(loss);
            optimizer.Step();
            optimizer.ZeroGrad();
            tape.Reset();
        }
        var (projMacs, attnMacs) = c.ForwardMacsPerImage();
        Console.WriteLine(string.Create(ci, $"{model}: {c.ParameterCount():N0} parameters, forward {2.0 * (projMacs + attnMacs) / 1e9:0.###} GFLOP/image " +
            $"(projections {2.0 * projMacs / 1e9:0.###}, attention products {2.0 * attnMacs / 1e9:0.###}); batch {batch}, threads {Parallelism.Threads}, GEMM {Gemm.KernelName}"));
        for (int i = 0; i < 3; i++) Step();   // warm-up: pools, pack buffers, tier-up

        (string Name, Action Run, bool InStep)[] parts = [("whole step", Step, true), .. Components(c, batch)];
        var times = parts.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
            for (int p = 0; p < parts.Length; p++)
            {
                int n = p == 0 ? steps : 2;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < n; i++) parts[p].Run();
                times[p].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / n);
            }
        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        double step = Median(times[0]), listed = 0;
        double flops = 3.0 * 2 * (projMacs + attnMacs) * batch;   // forward + input gradient + weight gradient
        Console.WriteLine(string.Create(ci, $"whole step: median {step:0.0} ms over {rounds} rounds of {steps} (range {times[0].Min():0.0}–{times[0].Max():0.0}), " +
            $"{batch / step * 1000:0} images/s, {flops / step / 1e6:0.0} GFLOP/s"));
        for (int p = 1; p < parts.Length; p++)
        {
            if (!parts[p].InStep) continue;
            double ms = Median(times[p]);
            listed += ms;
            Console.WriteLine(string.Create(ci, $"  {parts[p].Name,-50} {ms,7:0.0} ms  {100 * ms / step,5:0.0}%"));
        }
        Console.WriteLine(string.Create(ci, $"  {"everything else (step − listed)",-50} {step - listed,7:0.0} ms  {100 * (step - listed) / step,5:0.0}%"));
        for (int p = 1; p < parts.Length; p++)
            if (!parts[p].InStep)
                Console.WriteLine(string.Create(ci, $"  (not in the step) {parts[p].Name,-50} {Median(times[p]),7:0.0} ms"));
        // Per-round ratio of the two attention forms, timed back to back in each round: steadier than a ratio of medians.
        int fused = Array.FindIndex(parts, x => x.Name.StartsWith("attention, fused", StringComparison.Ordinal));
        int composed = Array.FindIndex(parts, x => x.Name.EndsWith("all three", StringComparison.Ordinal));
        var ratios = times[composed].Zip(times[fused], (a, b) => a / b).ToList();
        Console.WriteLine(string.Create(ci, $"  primitives / fused attention: median of per-round ratios {Median(ratios):0.00}x (range {ratios.Min():0.00}–{ratios.Max():0.00})"));
    }

    /// <summary>The step's kernel calls grouped by family, each with the step's shapes (forward and backward).</summary>
    private static IEnumerable<(string Name, Action Run, bool InStep)> Components(VitConfig c, int batch)
    {
        int rows = batch * c.Tokens, bh = batch * c.Heads, n = c.Tokens, d = c.HeadDim, dim = c.Dim, inner = c.InnerDim;
        var linears = new List<(int In, int Out)> { (c.PatchDim, dim) };
        for (int b = 0; b < c.Depth; b++) linears.AddRange([(dim, 3 * inner), (inner, dim), (dim, c.MlpDim), (c.MlpDim, dim)]);
        int widest = Math.Max(3 * inner, Math.Max(c.MlpDim, c.PatchDim));
        float[] x = Filled(rows * widest), y = Filled(rows * widest), dx = Filled(rows * widest), w = Filled(widest * widest), dw = Filled(widest * widest);
        void Projections()
        {
            foreach (var (i, o) in linears)
            {
                Gemm.Multiply(x, w, y, rows, o, i, transB: true);                             // y = x·Wᵀ
                Gemm.Multiply(y, w, dx, rows, i, o, accumulate: true);                        // dx += dy·W
                Gemm.Multiply(y, x, dw, o, i, rows, transA: true, accumulate: true);          // dW += dyᵀ·x
            }
        }
        float[] q = Filled(bh * n * d), k = Filled(bh * n * d), v = Filled(bh * n * d), s = Filled(bh * n * n), g = Filled(bh * n * d);
        void AttentionProducts()
        {
            for (int b = 0; b < c.Depth; b++)
            {
                Gemm.MultiplyBatched(q, k, s, bh, n, n, d, transB: true);                     // S = q·kᵀ
                Gemm.MultiplyBatched(s, v, g, bh, n, d, n);                                   // O = P·v
                Gemm.MultiplyBatched(g, v, s, bh, n, n, d, transB: true, accumulate: true);   // dP = dO·vᵀ
                Gemm.MultiplyBatched(s, g, v, bh, n, d, n, transA: true, accumulate: true);   // dv = Pᵀ·dO
                Gemm.MultiplyBatched(s, k, q, bh, n, d, n, accumulate: true);                 // dq = dS·k
                Gemm.MultiplyBatched(s, q, k, bh, n, d, n, transA: true, accumulate: true);   // dk = dSᵀ·q
            }
        }
        float[] p = Filled(bh * n * n), dp = Filled(bh * n * n);
        void SoftmaxRows()
        {
            for (int b = 0; b < c.Depth; b++)
            {
                Softmax.Rows(s, p, bh * n, n, 1f / MathF.Sqrt(d));
                Softmax.RowsBackward(p, s, dp, bh * n, n, 1f / MathF.Sqrt(d));
            }
        }
        float[] gamma = Filled(widest), beta = Filled(widest), mean = new float[rows], rstd = new float[rows];
        void LayerNorms()
        {
            foreach (int width in Enumerable.Repeat(dim, 2 * c.Depth + 2).Append(c.PatchDim))
            {
                LayerNormKernel.Forward(x, gamma, beta, y, mean, rstd, rows, width);
                LayerNormKernel.Backward(y, x, gamma, mean, rstd, dx, dw, dw.AsSpan(widest), rows, width);
            }
        }
        void Gelus()
        {
            var span = x.AsSpan(0, rows * c.MlpDim);
            for (int b = 0; b < c.Depth; b++)
            {
                Activations.Gelu(span, y);
                Activations.GeluBackward(span, y.AsSpan(0, span.Length), dx);
            }
        }
        void HeadMoves()
        {
            for (int b = 0; b < c.Depth; b++)
            {
                for (int part = 0; part < 3; part++)
                {
                    Heads.Split(x, q, batch, n, c.Heads, d, 3 * inner, part * inner);
                    Heads.Merge(q, dx, batch, n, c.Heads, d, 3 * inner, part * inner, accumulate: true);
                }
                Heads.Merge(g, y, batch, n, c.Heads, d, inner, 0);
                Heads.Split(y, g, batch, n, c.Heads, d, inner, 0, accumulate: true);
            }
        }
        float[] qkv = Filled(rows * 3 * inner), attnOut = Filled(rows * inner), dQkv = Filled(rows * 3 * inner);
        void FusedAttention()
        {
            for (int b = 0; b < c.Depth; b++)
            {
                Attention.Forward(qkv, attnOut, p, batch, n, c.Heads, d);
                Attention.Backward(qkv, p, attnOut, dQkv, batch, n, c.Heads, d);
            }
        }
        void PrimitiveAttention()
        {
            HeadMoves();
            AttentionProducts();
            SoftmaxRows();
        }
        return
        [
            ($"projections ({linears.Count} Linear × 3 GEMMs)", Projections, true),
            ($"attention, fused ({c.Depth} × forward + backward)", FusedAttention, true),
            ("attention from primitives: all three", PrimitiveAttention, false),
            ($"LayerNorm ({2 * c.Depth + 3} × forward + backward)", LayerNorms, true),
            ($"GELU ({c.Depth} × forward + backward)", Gelus, true),
            ("attention from primitives: head moves", HeadMoves, false),
            ("attention from primitives: batched GEMMs", AttentionProducts, false),
            ("attention from primitives: softmax", SoftmaxRows, false),
        ];
    }

    private static float[] Filled(int length)
    {
        var a = new float[length];
        new Rng((ulong)length).FillUniform(a, -0.1f, 0.1f);
        return a;
    }

    /// <summary>Every Linear dense; the real factories (dense, CSR, masked, Top-KAST) come with the layer-factory work.</summary>
    private sealed class DenseFactory(Rng rng) : ILayerFactory
    {
        public Module Linear(string path, int inFeatures, int outFeatures, bool bias = true) => new Linear(inFeatures, outFeatures, rng, bias);

        public Module Conv2d(string path, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal) => throw new NotSupportedException("A ViT has no convolutions.");
    }
}
