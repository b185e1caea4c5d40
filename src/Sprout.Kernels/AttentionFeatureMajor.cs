// The fused attention on feature-major activations: qkv is [3·h·d × B·N] (one row per feature, one column per token
// row b·N + t), as always-sparse projections produce it, and the output [h·d × B·N] goes straight into the next one.
// So the ViT's sparse qkv and output projections need no transposes around attention. Per (sample, head) the blocks
// qᵀ, kᵀ, vᵀ (d × N) are read in place; the products are arranged so that every A operand is read through strides and
// every B operand row by row: S = q·kᵀ (B = kᵀ), Oᵀ = vᵀ·Pᵀ (B = Pᵀ, one N×N register transpose per task), and in the
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
            int n = job.Tokens, d = job.HeadDim, heads = job.Heads, inner = heads * d, b = task / heads, j = task % heads;
            int rowLength = job.Batch * n;   // row stride of every feature-major operand (validated to fit an int)
            nint ld = rowLength;
            int w = AttentionTiles.Panel<TV, V>(), np = Round(n, w);
            bool ragged = n % w != 0;   // B rows run along tokens and are read panel-wide: then copied zero-padded
            float scale = 1f / MathF.Sqrt(d);
            // Scratch: the scores or their gradient [n × np], a transposed N×N block [n × np], a padded B operand [d × np].
            float* s = Scratch.For(2 * n * np + (ragged ? d * np : 0));
            float* sc = s, tr = s + n * np, padded = tr + n * np;
            float* qT = job.Qkv + j * d * ld + b * n, kT = qT + inner * ld, vT = kT + inner * ld;   // qᵀ[e, t] at qT + e·ld + t
            float* ioT = job.Io + j * d * ld + b * n;
            float* p = job.Weights + (nint)task * n * n;
            if (!job.Backward)
            {
                float* kB = Rows(kT, rowLength, padded, ragged, d, n, np, out int ldk);
                AttentionTiles.Product<TV, V>(qT, 1, ld, kB, ldk, sc, np, n, np, d, add: false);                 // S = q·kᵀ
                for (int r = 0; r < n; r++) AttentionTiles.SoftmaxRow<TV, V>(sc + (nint)r * np, p + (nint)r * n, n, scale);
                TransposeInto(p, n, tr, np, n, n);                                                                // Pᵀ [n × np]
                AttentionTiles.Product<TV, V>(vT, ld, 1, tr, np, ioT, ld, d, n, n, add: false);                   // Oᵀ = vᵀ·Pᵀ
                return;
            }
            float* gT = job.Grad + j * d * ld + b * n;
            bool add = job.Accumulate;
            float* vB = Rows(vT, rowLength, padded, ragged, d, n, np, out int ldv);
            AttentionTiles.Product<TV, V>(ioT, 1, ld, vB, ldv, sc, np, n, np, d, add: false);                     // dP = dO·vᵀ
            for (int r = 0; r < n; r++) AttentionTiles.SoftmaxBackwardRow<TV, V>(p + (nint)r * n, sc + (nint)r * np, n, scale); // dS
            float* pB = Rows(p, n, tr, ragged, n, n, np, out int ldp);
            AttentionTiles.Product<TV, V>(ioT, ld, 1, pB, ldp, gT + 2 * inner * ld, ld, d, n, n, add);            // dvᵀ = dOᵀ·P
            AttentionTiles.Product<TV, V>(qT, ld, 1, sc, np, gT + inner * ld, ld, d, n, n, add);                  // dkᵀ = qᵀ·dS
            TransposeInto(sc, np, tr, np, n, n);                                                                  // dSᵀ [n × np]
            AttentionTiles.Product<TV, V>(kT, ld, 1, tr, np, gT, ld, d, n, n, add);                               // dqᵀ = kᵀ·dSᵀ
        }
    }
}
