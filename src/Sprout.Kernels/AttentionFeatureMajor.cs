// The fused attention on feature-major activations: qkv is [3·h·d × B·N] (one row per feature, one column per token
// row b·N + t), as always-sparse projections produce it, and the output [h·d × B·N] goes straight into the next one.
// So the ViT's sparse qkv and output projections need no transposes around attention. Per (sample, head) the blocks
// qᵀ, kᵀ, vᵀ (d × N) are read in place or copied into contiguous blocks (see Execute); the products are arranged so
// that every A operand is read through strides and every B operand row by row: S = q·kᵀ (B = kᵀ), Oᵀ = vᵀ·Pᵀ (B = Pᵀ, one N×N register transpose per task), and in the
// backward dP = dO·vᵀ, dvᵀ = dOᵀ·P, dkᵀ = qᵀ·dS, dqᵀ = kᵀ·dSᵀ (one transpose of dS). The saved weights are P, as in
// the sample-major form, so both share Scalar as their reference (on transposed operands).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Attention
{
    /// <summary>
    /// <see cref="Forward"/> on feature-major operands: qkv [3·h·d × B·N] (row j·d + e is lane e of head j's q, then the k
    /// and v heads), output [h·d × B·N] (overwritten); weights [(b·h + j) × N × N] hold P as in <see cref="Forward"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static unsafe void ForwardFeatureMajor(ReadOnlySpan<float> qkv, Span<float> output, Span<float> weights, int batch, int tokens, int heads, int headDim)
    {
        Validate(qkv.Length, output.Length, weights.Length, batch, tokens, heads, headDim, "output");
        fixed (float* pq = qkv, po = output, pw = weights)
            Run(new Job(pq, po, pw, null, batch, tokens, heads, headDim, false, false, featureMajor: true));
    }

    /// <summary>
    /// <see cref="Backward"/> on feature-major operands: dOutput [h·d × B·N], dQkv [3·h·d × B·N] (written, or added to with
    /// <paramref name="accumulate"/>), qkv and weights from <see cref="ForwardFeatureMajor"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static unsafe void BackwardFeatureMajor(ReadOnlySpan<float> qkv, ReadOnlySpan<float> weights, ReadOnlySpan<float> dOutput, Span<float> dQkv,
        int batch, int tokens, int heads, int headDim, bool accumulate = true)
    {
        Validate(qkv.Length, dOutput.Length, weights.Length, batch, tokens, heads, headDim, "dOutput");
        Simd.RequireLength(qkv.Length, dQkv.Length, nameof(dQkv));
        fixed (float* pq = qkv, pd = dOutput, pw = weights, pg = dQkv)
            Run(new Job(pq, pd, pw, pg, batch, tokens, heads, headDim, true, accumulate, featureMajor: true));
    }

    private static void RunFeatureMajor(in Job job)
    {
        if (Vector512.IsHardwareAccelerated) Run(new FeatureMajorTaskJob<Vector512<float>, V512>(job), job);
        else if (Vector256.IsHardwareAccelerated) Run(new FeatureMajorTaskJob<Vector256<float>, V256>(job), job);
        else if (Vector128.IsHardwareAccelerated) Run(new FeatureMajorTaskJob<Vector128<float>, V128>(job), job);
        else Run(new FeatureMajorTaskJob<float, V1>(job), job);
    }

    /// <summary>One (sample, head) per index on feature-major operands, at vector width TV.</summary>
    private readonly unsafe struct FeatureMajorTaskJob<TV, V>(Job job) : IParallelJob where TV : struct where V : struct, ISimd<TV>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int task)
        {
            // Head-major task order: consecutive tasks read neighbouring 256-byte pieces of the same feature rows (so the
            // same pages and prefetch streams), where sample-major order jumps across all 3·h·d rows.
            int n = job.Tokens, d = job.HeadDim, heads = job.Heads, inner = heads * d, b = task % job.Batch, j = task / job.Batch;
            nint ld = (nint)job.Batch * n;   // row stride of every feature-major operand
            int w = AttentionTiles.Panel<TV, V>(), np = Round(n, w);
            float scale = 1f / MathF.Sqrt(d);
            // The head's rows lie B·N floats apart, a multiple of 4 KB at the ViT's sizes, so they all fall into the same
            // few L1 sets. An operand walked along those rows (A with its depth step across rows, or B row by row) would
            // touch d rows per tile and evict itself: it is copied into a contiguous, zero-padded [d × np] block first
            // (q and k forward, dO and v backward). Operands read as A with their rows as the tile's 8 rows (v forward, q
            // and k backward), and the outputs, touch 8 rows at a time and stay in place.
            // Scratch: scores or their gradient [n × np], a transposed N×N block [n × np], two [d × np] blocks.
            float* s = Scratch.For((2 * n + 2 * d) * np);
            float* sc = s, tr = sc + n * np, xs = tr + n * np, ys = xs + d * np;
            float* qT = job.Qkv + j * d * ld + b * n, kT = qT + inner * ld, vT = kT + inner * ld;   // qᵀ[e, t] at qT + e·ld + t
            float* ioT = job.Io + j * d * ld + b * n;
            float* p = job.Weights + ((nint)b * heads + j) * n * n;
            if (!job.Backward)
            {
                In(qT, ld, xs, np, d, n);
                In(kT, ld, ys, np, d, n);
                AttentionTiles.Product<TV, V>(xs, 1, np, ys, np, sc, np, n, np, d, add: false);                  // S = q·kᵀ
                for (int r = 0; r < n; r++) AttentionTiles.SoftmaxRow<TV, V>(sc + (nint)r * np, p + (nint)r * n, n, scale);
                TransposeInto(p, n, tr, np, n, n);                                                                // Pᵀ [n × np]
                AttentionTiles.Product<TV, V>(vT, ld, 1, tr, np, ioT, ld, d, n, n, add: false);                  // Oᵀ = vᵀ·Pᵀ
                return;
            }
            float* gT = job.Grad + j * d * ld + b * n;
            bool add = job.Accumulate;
            In(ioT, ld, xs, np, d, n);                                                                            // dOᵀ
            In(vT, ld, ys, np, d, n);                                                                             // vᵀ
            AttentionTiles.Product<TV, V>(xs, 1, np, ys, np, sc, np, n, np, d, add: false);                      // dP = dO·vᵀ
            for (int r = 0; r < n; r++) AttentionTiles.SoftmaxBackwardRow<TV, V>(p + (nint)r * n, sc + (nint)r * np, n, scale); // dS
            float* pB = p;
            int ldp = n;
            if (n != np)
            {
                In(p, n, tr, np, n, n);   // P's rows are read panel-wide: pad them
                pB = tr;
                ldp = np;
            }
            AttentionTiles.Product<TV, V>(xs, np, 1, pB, ldp, gT + 2 * inner * ld, ld, d, n, n, add);            // dvᵀ = dOᵀ·P
            AttentionTiles.Product<TV, V>(qT, ld, 1, sc, np, gT + inner * ld, ld, d, n, n, add);                 // dkᵀ = qᵀ·dS
            TransposeInto(sc, np, tr, np, n, n);                                                                  // dSᵀ [n × np]
            AttentionTiles.Product<TV, V>(kT, ld, 1, tr, np, gT, ld, d, n, n, add);                              // dqᵀ = kᵀ·dSᵀ
        }

        /// <summary>dst[e·np + t] = src[e·ld + t] for t &lt; n and 0 up to np, for e &lt; rows.</summary>
        private static void In(float* src, nint ld, float* dst, int np, int rows, int n)
        {
            int w = V.Count;
            for (int e = 0; e < rows; e++, src += ld, dst += np)
            {
                int t = 0;
                for (; t + w <= n; t += w) V.Store(V.Load(ref src[t], 0), ref dst[t], 0);
                for (; t < n; t++) dst[t] = src[t];
                for (; t < np; t++) dst[t] = 0;
            }
        }
    }
}
