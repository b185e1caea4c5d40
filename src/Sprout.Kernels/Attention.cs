// Fused multi-head self-attention over token rows, forward and backward, one task per (sample, head). A task gathers
// its q, k and v (N×d each) straight out of the fused projection rows [B·N, 3·h·d] into per-thread scratch, runs its
// products (serial GEMMs) and row softmaxes while everything is in cache, and writes its output columns (or its three
// gradient column blocks) back. So there is no separate head split or merge, and the N×N scores never make a round
// trip through memory apart from the saved softmax weights. Tasks own disjoint outputs and run in a fixed order, so
// results do not depend on the thread count. The composed form (Ops.SelfAttentionFromPrimitives) is the oracle.
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>softmax(q·kᵀ/√d)·v per sample and head, from fused qkv rows to merged output rows.</summary>
public static class Attention
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
            Run(new TaskJob(pq, po, pw, null, batch, tokens, heads, headDim, backward: false, accumulate: false));
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
            Run(new TaskJob(pq, pd, pw, pg, batch, tokens, heads, headDim, backward: true, accumulate));
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

    private static void Run(in TaskJob job)
    {
        if (job.Macs >= ParallelMacs && Parallelism.Threads > 1) Parallelism.For(job.Tasks, job);
        else for (int t = 0; t < job.Tasks; t++) job.Execute(t);
    }

    /// <summary>Forward: io is the output rows. Backward: io is dOutput and grad is dQkv.</summary>
    private readonly unsafe struct TaskJob(float* qkv, float* io, float* weights, float* grad, int batch, int tokens, int heads, int headDim,
        bool backward, bool accumulate) : IParallelJob
    {
        public int Tasks => batch * heads;
        public long Macs => (long)Tasks * tokens * tokens * headDim * (backward ? 4 : 2);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task)
        {
            int n = tokens, d = headDim, inner = heads * d, width = 3 * inner, b = task / heads, j = task % heads, nd = n * d;
            float scale = 1f / MathF.Sqrt(d);
            float* s = Scratch.For(7 * nd + 2 * n * n);   // q, k, v, o/dO, dq, dk, dv; dS and dP
            float* q = s, k = s + nd, v = s + 2 * nd, o = s + 3 * nd, dq = s + 4 * nd, dk = s + 5 * nd, dv = s + 6 * nd, ds = s + 7 * nd;
            float* rows = qkv + (nint)b * n * width + j * d;       // q of token 0 of this head; k at + inner, v at + 2·inner
            float* ioRows = io + (nint)b * n * inner + j * d;
            float* p = weights + (nint)task * n * n;
            Gather(rows, width, q, n, d);
            Gather(rows + inner, width, k, n, d);
            Gather(rows + 2 * inner, width, v, n, d);
            if (!backward)
            {
                Gemm.MultiplySerial(q, k, p, n, n, d, transA: false, transB: true, accumulate: false);   // S = q·kᵀ
                for (int r = 0; r < n; r++)
                {
                    var row = new Span<float>(p + (nint)r * n, n);
                    Softmax.ForwardRow(row, row, scale);
                }
                Gemm.MultiplySerial(p, v, o, n, d, n, transA: false, transB: false, accumulate: false);  // O = P·v
                Scatter(o, ioRows, inner, n, d, accumulate: false);
                return;
            }
            Gather(ioRows, inner, o, n, d);                                                              // dO
            Gemm.MultiplySerial(o, v, ds + n * n, n, n, d, transA: false, transB: true, accumulate: false);  // dP = dO·vᵀ (after dS)
            Gemm.MultiplySerial(p, o, dv, n, d, n, transA: true, transB: false, accumulate: false);        // dv = Pᵀ·dO
            new Span<float>(ds, n * n).Clear();
            for (int r = 0; r < n; r++)
                Softmax.BackwardRow(new ReadOnlySpan<float>(p + (nint)r * n, n), new ReadOnlySpan<float>(ds + n * n + (nint)r * n, n),
                    new Span<float>(ds + (nint)r * n, n), scale);
            Gemm.MultiplySerial(ds, k, dq, n, d, n, transA: false, transB: false, accumulate: false);      // dq = dS·k
            Gemm.MultiplySerial(ds, q, dk, n, d, n, transA: true, transB: false, accumulate: false);       // dk = dSᵀ·q
            float* gradRows = grad + (nint)b * n * width + j * d;
            Scatter(dq, gradRows, width, n, d, accumulate);
            Scatter(dk, gradRows + inner, width, n, d, accumulate);
            Scatter(dv, gradRows + 2 * inner, width, n, d, accumulate);
        }

        private static void Gather(float* source, int stride, float* destination, int n, int d)
        {
            for (int r = 0; r < n; r++) new ReadOnlySpan<float>(source + (nint)r * stride, d).CopyTo(new Span<float>(destination + (nint)r * d, d));
        }

        private static void Scatter(float* source, float* destination, int stride, int n, int d, bool accumulate)
        {
            for (int r = 0; r < n; r++)
            {
                var src = new ReadOnlySpan<float>(source + (nint)r * d, d);
                var dst = new Span<float>(destination + (nint)r * stride, d);
                if (accumulate) System.Numerics.Tensors.TensorPrimitives.Add(dst, src, dst);
                else src.CopyTo(dst);
            }
        }
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
