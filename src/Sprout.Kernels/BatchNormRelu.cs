// BatchNorm followed by ReLU, optionally with a residual added between them, as one operator over a FeatureMajor
// [C, B, H, W] activation: y = max(γ·(x − μ)/√(σ² + ε) + β (+ r), 0). Every conv net pays for this pair after
// almost every conv (ResNet's "bn → relu" and "bn → + shortcut → relu"). Run as separate ops, the pair writes the
// normalized tensor, reads it back for the ReLU (and the add), and its backward clears, reads and writes three
// gradient tensors; at ResNet-20's first stage each is 8 MB, far beyond L2. Here the forward reads x once from
// memory (statistics in L1-sized chunks, combined by Chan's rule, then the normalize + add + ReLU pass) and writes
// only y; the backward reads y (the ReLU mask), dy and x once for the mask, the residual's gradient and both sums,
// keeps the masked gradient of one channel in a per-thread scratch (L2), then writes dx from it and x. Channel c is
// one contiguous run of B·H·W values; channels are shared among the kernel threads and each writes only its own. Not a general epilogue mechanism: it
// is the one fusion a conv net needs on every block, beside its unfused parts (BatchNorm, Activations, Elementwise).
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>y = max(γ·(x − μ)/√(σ² + ε) + β (+ r), 0) per channel, forward and backward.</summary>
/// <remarks>
/// γ and β may be empty (γ = 1, β = 0); an empty residual means none. Spans are [channels × count], statistics and
/// parameters [channels]. y must not alias x or the residual (the backward reads x and y).
/// </remarks>
public static unsafe class BatchNormRelu
{
    /// <summary>
    /// Normalizes each channel of x with its batch mean and biased variance (written to <paramref name="mean"/> and
    /// <paramref name="variance"/>), adds the residual if given, and applies ReLU into y (overwritten).
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void ForwardTraining(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> mean, Span<float> variance, int channels, int count, float eps)
    {
        Validate(x.Length, y.Length, residual.Length, gamma.Length, beta.Length, mean.Length, variance.Length, channels, count, eps);
        fixed (float* px = x, pr = residual, py = y, pg = gamma, pb = beta, pm = mean, pv = variance)
            BatchNormChannel.Run(channels, count, new ForwardJob(px, pr, py, pg, pb, pm, pv, count, eps, training: true));
    }

    /// <summary>As <see cref="ForwardTraining"/> with fixed (running) statistics, which are only read.</summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void ForwardInference(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, int channels, int count, float eps)
    {
        Validate(x.Length, y.Length, residual.Length, gamma.Length, beta.Length, runningMean.Length, runningVar.Length, channels, count, eps);
        fixed (float* px = x, pr = residual, py = y, pg = gamma, pb = beta, pm = runningMean, pv = runningVar)
            BatchNormChannel.Run(channels, count, new ForwardJob(px, pr, py, pg, pb, pm, pv, count, eps, training: false));
    }

    /// <summary>
    /// Backward from dy, given the forward's x, output y and statistics: the ReLU passes dy where y &gt; 0 (g), the
    /// residual's gradient is g, and dx, dγ, dβ are BatchNorm's backward of g (the statistics depend on x when
    /// <paramref name="batchStatistics"/>, else they are constants). dγ and dβ accumulate; dx and dResidual accumulate
    /// unless <paramref name="overwriteDx"/> / <paramref name="overwriteResidual"/> (then every element is written).
    /// Empty gradient spans are not computed. dx and dResidual must not alias each other.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, Span<float> dx, Span<float> dResidual, Span<float> dGamma, Span<float> dBeta,
        int channels, int count, float eps, bool batchStatistics = true, bool overwriteDx = false, bool overwriteResidual = false)
    {
        Validate(x.Length, y.Length, dResidual.Length, gamma.Length, 0, mean.Length, variance.Length, channels, count, eps);
        Simd.RequireLength(channels * count, dy.Length, nameof(dy));
        if (!dx.IsEmpty) Simd.RequireLength(channels * count, dx.Length, nameof(dx));
        if (!dGamma.IsEmpty) Simd.RequireLength(channels, dGamma.Length, nameof(dGamma));
        if (!dBeta.IsEmpty) Simd.RequireLength(channels, dBeta.Length, nameof(dBeta));
        fixed (float* px = x, py = y, pdy = dy, pg = gamma, pm = mean, pv = variance, pdx = dx, pdr = dResidual, pdg = dGamma, pdb = dBeta)
            BatchNormChannel.Run(channels, count, new BackwardJob(px, py, pdy, pg, pm, pv, pdx, pdr, pdg, pdb, count, eps, batchStatistics, overwriteDx, overwriteResidual));
    }

    private static void Validate(int xLength, int yLength, int residualLength, int gammaLength, int betaLength, int meanLength, int varLength,
        int channels, int count, float eps)
    {
        BatchNormChannel.Validate(xLength, yLength, gammaLength, betaLength, channels, count, eps);
        if (residualLength != 0) Simd.RequireLength(channels * count, residualLength, "residual");
        Simd.RequireLength(channels, meanLength, "mean");
        Simd.RequireLength(channels, varLength, "variance");
    }

    // Null pointers mean "absent" (empty spans pin to null).
    private readonly struct ForwardJob(float* x, float* residual, float* y, float* gamma, float* beta, float* mean, float* variance,
        int count, float eps, bool training) : IParallelJob
    {
        public void Execute(int c)
        {
            long at = (long)c * count;
            if (training) (mean[c], variance[c]) = BatchNormChannel.Statistics(x + at, count);
            float scale = (gamma is null ? 1f : gamma[c]) / MathF.Sqrt(variance[c] + eps);
            float shift = (beta is null ? 0f : beta[c]) - mean[c] * scale;
            var xc = new ReadOnlySpan<float>(x + at, count);
            var yc = new Span<float>(y + at, count);
            if (residual is null) Simd.Run(count, new NormalizeReluOp(xc, yc, scale, shift));
            else Simd.Run(count, new NormalizeAddReluOp(xc, new ReadOnlySpan<float>(residual + at, count), yc, scale, shift));
        }
    }

    private readonly struct BackwardJob(float* x, float* y, float* dy, float* gamma, float* mean, float* variance, float* dx, float* dResidual,
        float* dGamma, float* dBeta, int count, float eps, bool batchStatistics, bool overwriteDx, bool overwriteResidual) : IParallelJob
    {
        public void Execute(int c)
        {
            long at = (long)c * count;
            // The masked gradient g of one channel is kept in a per-thread scratch (L2) between the two passes.
            float* g = dx is null ? null : PinnedScratch.Floats(ref _masked, count);
            BatchNormChannel.Backward(y + at, dy + at, x + at, g, dResidual is null ? null : dResidual + at, overwriteResidual,
                dx is null ? null : dx + at, count, mean[c], variance[c], gamma is null ? 1f : gamma[c], eps, batchStatistics, overwriteDx,
                dGamma is null ? null : dGamma + c, dBeta is null ? null : dBeta + c);
        }
    }

    // y = max(x·scale + shift, 0), NaN passed through as ReLU does.
    private readonly ref struct NormalizeReluOp(ReadOnlySpan<float> x, Span<float> y, float scale, float shift) : IElementwise
    {
        private readonly ReadOnlySpan<float> _x = x;
        private readonly Span<float> _y = y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var v = V.Add(V.Mul(V.Load(ref Simd.At(_x), i), V.Splat(scale)), V.Splat(shift));
            V.Store(V.ZeroWhereNotPositive(v), ref Simd.At(_y), i);
        }
    }

    // y = max(x·scale + shift + r, 0).
    private readonly ref struct NormalizeAddReluOp(ReadOnlySpan<float> x, ReadOnlySpan<float> r, Span<float> y, float scale, float shift) : IElementwise
    {
        private readonly ReadOnlySpan<float> _x = x, _r = r;
        private readonly Span<float> _y = y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var v = V.Add(V.Add(V.Mul(V.Load(ref Simd.At(_x), i), V.Splat(scale)), V.Splat(shift)), V.Load(ref Simd.At(_r), i));
            V.Store(V.ZeroWhereNotPositive(v), ref Simd.At(_y), i);
        }
    }

    // Per-thread scratch for one channel's masked gradient (PinnedScratch).
    [ThreadStatic] private static float[]? _masked;

    /// <summary>Reference: BatchNorm's double-precision reference, then the add and ReLU one element at a time.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="BatchNormRelu.ForwardTraining"/>
        public static void ForwardTraining(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, ReadOnlySpan<float> gamma,
            ReadOnlySpan<float> beta, Span<float> mean, Span<float> variance, int channels, int count, float eps)
        {
            BatchNorm.Scalar.ForwardTraining(x, y, gamma, beta, mean, variance, channels, count, eps);
            AddRelu(residual, y, channels * count);
        }

        /// <inheritdoc cref="BatchNormRelu.ForwardInference"/>
        public static void ForwardInference(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, Span<float> y, ReadOnlySpan<float> gamma,
            ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, int channels, int count, float eps)
        {
            BatchNorm.Scalar.ForwardInference(x, y, gamma, beta, runningMean, runningVar, channels, count, eps);
            AddRelu(residual, y, channels * count);
        }

        /// <inheritdoc cref="BatchNormRelu.Backward"/>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
            ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, Span<float> dx, Span<float> dResidual, Span<float> dGamma, Span<float> dBeta,
            int channels, int count, float eps, bool batchStatistics = true, bool overwriteDx = false, bool overwriteResidual = false)
        {
            int size = channels * count;
            var g = new float[size];
            for (int i = 0; i < size; i++) g[i] = y[i] > 0 ? dy[i] : 0f;
            if (!dResidual.IsEmpty)
                for (int i = 0; i < size; i++) dResidual[i] = (overwriteResidual ? 0f : dResidual[i]) + g[i];
            if (!dx.IsEmpty && overwriteDx) dx[..size].Clear();
            BatchNorm.Scalar.Backward(x, g, gamma, mean, variance, dx, dGamma, dBeta, channels, count, eps, batchStatistics);
        }

        private static void AddRelu(ReadOnlySpan<float> residual, Span<float> y, int size)
        {
            for (int i = 0; i < size; i++)
            {
                float v = residual.IsEmpty ? y[i] : y[i] + residual[i];
                y[i] = v <= 0 ? 0f : v;
            }
        }
    }
}
