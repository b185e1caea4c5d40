// Fused multi-head self-attention over token rows, forward and backward, one task per (sample, head). A task reads
// its q, k and v (N×d each) in place from the fused projection rows [B·N, 3·h·d], transposes k (forward) or v
// (backward) into per-thread scratch in 8×8 register blocks, and runs its products on AttentionTiles' register tiles with the row softmaxes
// in between, while everything is in L1; outputs (or the three gradient column blocks) are written straight into
// their rows. So there is no head split or merge, no packing, and the N×N scores never make a round trip through
// memory apart from the saved softmax weights. A head width that is not a whole tile panel (32 floats at 512 bits)
// is copied into zero-padded scratch first. Tasks own disjoint outputs and run in a fixed order, so results do not
// depend on the thread count. The composed form (Ops.SelfAttentionFromPrimitives) and Scalar are the oracles.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>softmax(q·kᵀ/√d)·v per sample and head, from fused qkv rows to merged output rows.</summary>
public static partial class Attention
{
    // Below this many multiply-adds in total the fork-join costs more than it shares.
    private const long ParallelMacs = 1 << 18;

    /// <summary>
    /// For every sample b and head j: P = softmax(q·kᵀ/√d) and O = P·v, where q, k, v are the N×d blocks of qkv
    /// [B·N × 3·h·d] at columns j·d, h·d + j·d and 2·h·d + j·d. Writes O into output [B·N × h·d] at columns j·d
    /// (overwrites) and P into weights [(b·h + j) × N × N] for the backward.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static unsafe void Forward(ReadOnlySpan<float> qkv, Span<float> output, Span<float> weights, int batch, int tokens, int heads, int headDim)
    {
        Validate(qkv.Length, output.Length, weights.Length, batch, tokens, heads, headDim, "output");
        fixed (float* pq = qkv, po = output, pw = weights)
            Run(new Job(pq, po, pw, null, batch, tokens, heads, headDim, false, false));
    }

    /// <summary>
    /// Writes (or, with <paramref name="accumulate"/>, adds) into dQkv the gradients of q, k and v given dOutput [B·N × h·d],
    /// the forward's qkv and saved weights: dv = Pᵀ·dO, dS = P ⊙ (dO·vᵀ − rowsum(P ⊙ dO·vᵀ))/√d, dq = dS·k, dk = dSᵀ·q.
    /// The tasks together cover every element of dQkv.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static unsafe void Backward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> weights, ReadOnlySpan<float> dOutput, Span<float> dQkv,
        int batch, int tokens, int heads, int headDim, bool accumulate = true)
    {
        Validate(qkv.Length, dOutput.Length, weights.Length, batch, tokens, heads, headDim, "dOutput");
        Simd.RequireLength(qkv.Length, dQkv.Length, nameof(dQkv));
        fixed (float* pq = qkv, pd = dOutput, pw = weights, pg = dQkv)
            Run(new Job(pq, pd, pw, pg, batch, tokens, heads, headDim, true, accumulate));
    }

    private static void Validate(int qkvLength, int outLength, int weightsLength, int batch, int tokens, int heads, int headDim, string output)
    {
        if (batch < 0 || tokens <= 0 || heads <= 0 || headDim <= 0)
            throw new ArgumentException($"Attention needs tokens, heads and head width positive (batch={batch}, tokens={tokens}, heads={heads}, headDim={headDim}).");
        int rows = checked(batch * tokens), inner = checked(heads * headDim);
        Simd.RequireLength(checked(rows * 3 * inner), qkvLength, "qkv");
        Simd.RequireLength(checked(rows * inner), outLength, output);
        Simd.RequireLength(checked(batch * heads * tokens * tokens), weightsLength, "weights");
    }

    private static void Run(in Job job)
    {
        if (job.FeatureMajor) RunFeatureMajor(job);
        else if (Vector512.IsHardwareAccelerated) Run(new TaskJob<Vector512<float>, V512>(job), job);
        else if (Vector256.IsHardwareAccelerated) Run(new TaskJob<Vector256<float>, V256>(job), job);
        else if (Vector128.IsHardwareAccelerated) Run(new TaskJob<Vector128<float>, V128>(job), job);
        else Run(new TaskJob<float, V1>(job), job);
    }

    private static void Run<TJob>(in TJob tasks, in Job job) where TJob : struct, IParallelJob
    {
        if (job.Macs >= ParallelMacs && Parallelism.Threads > 1) Parallelism.For(job.Tasks, tasks);
        else for (int t = 0; t < job.Tasks; t++) tasks.Execute(t);
    }

    /// <summary>The pointers and sizes of one call. Forward: io is the output rows. Backward: io is dOutput and grad is dQkv.</summary>
    private readonly unsafe struct Job(float* qkv, float* io, float* weights, float* grad, int batch, int tokens, int heads, int headDim,
        bool backward, bool accumulate, bool featureMajor = false)
    {
        public readonly bool FeatureMajor = featureMajor;
        public readonly float* Qkv = qkv, Io = io, Weights = weights, Grad = grad;
        public readonly int Batch = batch, Tokens = tokens, Heads = heads, HeadDim = headDim;
        public readonly bool Backward = backward, Accumulate = accumulate;
        public int Tasks => Batch * Heads;
        public long Macs => (long)Tasks * Tokens * Tokens * HeadDim * (Backward ? 4 : 2);
    }

    /// <summary>One (sample, head) per index, at vector width TV.</summary>
    private readonly unsafe struct TaskJob<TV, V>(Job job) : IParallelJob where TV : struct where V : struct, ISimd<TV>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task)
        {
            int n = job.Tokens, d = job.HeadDim, heads = job.Heads, inner = heads * d, width = 3 * inner, b = task / heads, j = task % heads;
            int w = AttentionTiles.Panel<TV, V>(), np = Round(n, w), dp = Round(d, w);
            bool padded = d % w != 0;   // rows of q, k, v, dO are then copied into whole panels (B operands are read panel-wide)
            float scale = 1f / MathF.Sqrt(d);
            // Scratch: a transposed operand [d × np], the scores or their gradient [n × np], and (padded only) three row blocks [n × dp].
            float* s = Scratch.For(d * np + n * np + (padded ? 3 * n * dp : 0));
            float* t = s, sc = s + d * np, rowScratch = sc + n * np;
            float* rows = job.Qkv + (nint)b * n * width + j * d;   // q of token 0 of this head; k at + inner, v at + 2·inner
            float* io = job.Io + (nint)b * n * inner + j * d;
            float* p = job.Weights + (nint)task * n * n;
            if (!job.Backward)
            {
                TransposeInto(rows + inner, width, t, np, n, d);                                                  // kᵀ [d × np]
                AttentionTiles.Product<TV, V>(rows, width, 1, t, np, sc, np, n, np, d, add: false);              // S = q·kᵀ
                for (int r = 0; r < n; r++) AttentionTiles.SoftmaxRow<TV, V>(sc + (nint)r * np, p + (nint)r * n, n, scale);
                float* v = Rows(rows + 2 * inner, width, rowScratch, padded, n, d, dp, out int ldv);
                AttentionTiles.Product<TV, V>(p, n, 1, v, ldv, io, inner, n, d, n, add: false);                  // O = P·v
                return;
            }
            float* grad = job.Grad + (nint)b * n * width + j * d;
            bool add = job.Accumulate;
            float* q = Rows(rows, width, rowScratch, padded, n, d, dp, out int ldq);
            float* k = Rows(rows + inner, width, rowScratch + n * dp, padded, n, d, dp, out int ldk);
            float* dO = Rows(io, inner, rowScratch + 2 * n * dp, padded, n, d, dp, out int ldo);
            TransposeInto(rows + 2 * inner, width, t, np, n, d);                                                  // vᵀ [d × np]
            AttentionTiles.Product<TV, V>(dO, ldo, 1, t, np, sc, np, n, np, d, add: false);                      // dP = dO·vᵀ
            for (int r = 0; r < n; r++) AttentionTiles.SoftmaxBackwardRow<TV, V>(p + (nint)r * n, sc + (nint)r * np, n, scale); // dS
            AttentionTiles.Product<TV, V>(p, 1, n, dO, ldo, grad + 2 * inner, width, n, d, n, add);               // dv = Pᵀ·dO
            AttentionTiles.Product<TV, V>(sc, np, 1, k, ldk, grad, width, n, d, n, add);                         // dq = dS·k
            AttentionTiles.Product<TV, V>(sc, 1, np, q, ldq, grad + inner, width, n, d, n, add);                 // dk = dSᵀ·q
        }
    }

    private static int Round(int x, int w) => (x + w - 1) / w * w;

    /// <summary>destination[e·ld + c] = source[c·stride + e] for c &lt; n, e &lt; d; columns n..ld are zeroed (padding lanes).</summary>
    private static unsafe void TransposeInto(float* source, int stride, float* destination, int ld, int n, int d)
    {
        int c = 0;
        if (Transpose.CanTranspose8x8)
        {
            // 8×8 register blocks (a scalar loop costs more than the products it feeds); the ragged edges below.
            int dFull = d & ~7;
            for (; c + 8 <= n; c += 8)
            {
                for (int e = 0; e < dFull; e += 8) Transpose.Block8x8(source + (nint)c * stride + e, stride, destination + (nint)e * ld + c, ld);
                for (int e = dFull; e < d; e++)
                    for (int i = c; i < c + 8; i++) destination[(nint)e * ld + i] = source[(nint)i * stride + e];
            }
        }
        for (; c < n; c++)
            for (int e = 0; e < d; e++) destination[(nint)e * ld + c] = source[(nint)c * stride + e];
        for (int e = 0; e < d; e++)
            for (c = n; c < ld; c++) destination[(nint)e * ld + c] = 0;
    }

    /// <summary>The n rows of d floats at source (row stride <paramref name="stride"/>) as a B operand: in place, or copied zero-padded to dp.</summary>
    private static unsafe float* Rows(float* source, int stride, float* scratch, bool padded, int n, int d, int dp, out int ld)
    {
        ld = padded ? dp : stride;
        if (!padded) return source;
        for (int r = 0; r < n; r++)
        {
            float* o = scratch + (nint)r * dp;
            for (int e = 0; e < d; e++) o[e] = source[(nint)r * stride + e];
            for (int e = d; e < dp; e++) o[e] = 0;
        }
        return scratch;
    }

    /// <summary>Per-thread scratch, grown on demand and then reused (pinned, so tasks can hold raw pointers).</summary>
    private static unsafe class Scratch
    {
        [ThreadStatic] private static float[]? _buffer;

        public static float* For(int floats)
        {
            var buffer = _buffer;
            if (buffer is null || buffer.Length < floats)
                _buffer = buffer = GC.AllocateUninitializedArray<float>(Math.Max(floats, (buffer?.Length ?? 0) * 3 / 2), pinned: true);
            return (float*)Unsafe.AsPointer(ref buffer[0]);
        }
    }

    /// <summary>Reference loops in double, one (sample, head) at a time.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Attention.Forward"/>
        public static void Forward(ReadOnlySpan<float> qkv, Span<float> output, Span<float> weights, int batch, int tokens, int heads, int headDim)
        {
            int n = tokens, d = headDim, inner = heads * d, width = 3 * inner;
            double scale = 1 / Math.Sqrt(d);
            var row = new double[n];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < heads; j++)
                {
                    int p0 = (b * heads + j) * n * n;
                    for (int r = 0; r < n; r++)
                    {
                        double max = double.NegativeInfinity, sum = 0;
                        for (int c = 0; c < n; c++)
                        {
                            double dot = 0;
                            for (int e = 0; e < d; e++) dot += (double)qkv[(b * n + r) * width + j * d + e] * qkv[(b * n + c) * width + inner + j * d + e];
                            row[c] = dot * scale;
                            max = Math.Max(max, row[c]);
                        }
                        for (int c = 0; c < n; c++) sum += row[c] = Math.Exp(row[c] - max);
                        for (int c = 0; c < n; c++) weights[p0 + r * n + c] = (float)(row[c] / sum);
                        for (int e = 0; e < d; e++)
                        {
                            double acc = 0;
                            for (int c = 0; c < n; c++) acc += row[c] / sum * qkv[(b * n + c) * width + 2 * inner + j * d + e];
                            output[(b * n + r) * inner + j * d + e] = (float)acc;
                        }
                    }
                }
        }

        /// <inheritdoc cref="Attention.Backward"/>
        public static void Backward(ReadOnlySpan<float> qkv, ReadOnlySpan<float> weights, ReadOnlySpan<float> dOutput, Span<float> dQkv,
            int batch, int tokens, int heads, int headDim, bool accumulate = true)
        {
            if (!accumulate) dQkv[..(batch * tokens * 3 * heads * headDim)].Clear();
            int n = tokens, d = headDim, inner = heads * d, width = 3 * inner;
            double scale = 1 / Math.Sqrt(d);
            var dS = new double[n * n];
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < heads; j++)
                {
                    int p0 = (b * heads + j) * n * n;
                    int q0 = b * n * width + j * d, o0 = b * n * inner + j * d;   // q of token t, lane e: qkv[q0 + t·width + e]
                    for (int r = 0; r < n; r++)
                    {
                        double dot = 0;
                        var dP = new double[n];
                        for (int c = 0; c < n; c++)
                        {
                            for (int e = 0; e < d; e++) dP[c] += (double)dOutput[o0 + r * inner + e] * qkv[q0 + c * width + 2 * inner + e];
                            dot += dP[c] * weights[p0 + r * n + c];
                        }
                        for (int c = 0; c < n; c++) dS[r * n + c] = weights[p0 + r * n + c] * (dP[c] - dot) * scale;
                    }
                    for (int t = 0; t < n; t++)
                        for (int e = 0; e < d; e++)
                        {
                            double dq = 0, dk = 0, dv = 0;
                            for (int c = 0; c < n; c++)
                            {
                                dq += dS[t * n + c] * qkv[q0 + c * width + inner + e];
                                dk += dS[c * n + t] * qkv[q0 + c * width + e];
                                dv += weights[p0 + c * n + t] * (double)dOutput[o0 + c * inner + e];
                            }
                            int at = (b * n + t) * width + j * d + e;
                            dQkv[at] += (float)dq;
                            dQkv[at + inner] += (float)dk;
                            dQkv[at + 2 * inner] += (float)dv;
                        }
                }
        }
    }
}
