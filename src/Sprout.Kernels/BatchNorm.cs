// Batch normalization over channels of a FeatureMajor tensor [C, B, H, W]: channel c is one contiguous run of
// count = B·H·W elements, so every statistic is a plain span reduction (BatchNormChannel.cs, shared with the fused
// BatchNormRelu). Training mode normalizes with the batch's mean and biased variance (and returns them, for the
// running statistics and the backward); inference mode uses given running statistics. Channels are shared among the
// kernel threads; each writes only its own channel.
using System.Numerics;

namespace Sprout.Kernels;

/// <summary>Per-channel batch normalization y = γ·(x − μ)/√(σ² + ε) + β, forward and backward.</summary>
/// <remarks>γ and β may be empty spans (no affine transform: γ = 1, β = 0). Gradient outputs may be empty (not wanted).</remarks>
public static unsafe class BatchNorm
{
    /// <summary>
    /// Normalizes each channel of x [channels × count] with its own mean and biased variance, written to
    /// <paramref name="mean"/> and <paramref name="variance"/> [channels]; y (overwritten) may alias x.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void ForwardTraining(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> mean, Span<float> variance, int channels, int count, float eps)
    {
        BatchNormChannel.Validate(x.Length, y.Length, gamma.Length, beta.Length, channels, count, eps);
        Simd.RequireLength(channels, mean.Length, nameof(mean));
        Simd.RequireLength(channels, variance.Length, nameof(variance));
        fixed (float* px = x, py = y, pg = gamma, pb = beta, pm = mean, pv = variance)
            BatchNormChannel.Run(channels, count, new Job(Mode.ForwardTraining, px, py, null, pg, pb, pm, pv, null, null, count, eps));
    }

    /// <summary>y = γ·(x − runningMean)/√(runningVar + ε) + β per channel of x [channels × count]; y may alias x.</summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void ForwardInference(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, int channels, int count, float eps)
    {
        BatchNormChannel.Validate(x.Length, y.Length, gamma.Length, beta.Length, channels, count, eps);
        Simd.RequireLength(channels, runningMean.Length, nameof(runningMean));
        Simd.RequireLength(channels, runningVar.Length, nameof(runningVar));
        fixed (float* px = x, py = y, pg = gamma, pb = beta, pm = runningMean, pv = runningVar)
            BatchNormChannel.Run(channels, count, new Job(Mode.ForwardInference, px, py, null, pg, pb, pm, pv, null, null, count, eps));
    }

    /// <summary>
    /// Backward of <see cref="ForwardTraining"/> (the statistics depend on x): accumulates dx [channels × count],
    /// dγ and dβ [channels] from dy, given the <paramref name="mean"/> and <paramref name="variance"/> the forward returned.
    /// With <paramref name="batchStatistics"/> false it is the backward of <see cref="ForwardInference"/> (fixed statistics).
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> variance, Span<float> dx, Span<float> dGamma, Span<float> dBeta, int channels, int count, float eps,
        bool batchStatistics = true)
    {
        BatchNormChannel.Validate(x.Length, dy.Length, gamma.Length, 0, channels, count, eps);
        Simd.RequireLength(channels, mean.Length, nameof(mean));
        Simd.RequireLength(channels, variance.Length, nameof(variance));
        if (!dx.IsEmpty) Simd.RequireLength(channels * count, dx.Length, nameof(dx));
        if (!dGamma.IsEmpty) Simd.RequireLength(channels, dGamma.Length, nameof(dGamma));
        if (!dBeta.IsEmpty) Simd.RequireLength(channels, dBeta.Length, nameof(dBeta));
        fixed (float* px = x, pdy = dy, pg = gamma, pm = mean, pv = variance, pdx = dx, pdg = dGamma, pdb = dBeta)
            BatchNormChannel.Run(channels, count, new Job(batchStatistics ? Mode.BackwardTraining : Mode.BackwardInference,
                px, pdx, pdy, pg, null, pm, pv, pdg, pdb, count, eps));
    }

    private enum Mode { ForwardTraining, ForwardInference, BackwardTraining, BackwardInference }

    // y doubles as dx in the backward modes; null pointers mean "absent" (empty spans pin to null).
    private readonly struct Job(Mode mode, float* x, float* y, float* dy, float* gamma, float* beta, float* mean, float* variance,
        float* dGamma, float* dBeta, int count, float eps) : IParallelJob
    {
        public void Execute(int c)
        {
            var xc = new ReadOnlySpan<float>(x + (long)c * count, count);
            float g = gamma is null ? 1f : gamma[c];
            switch (mode)
            {
                case Mode.ForwardTraining:
                {
                    var (mu, v) = BatchNormChannel.Statistics(x + (long)c * count, count);
                    mean[c] = mu;
                    variance[c] = v;
                    Normalize(xc, new Span<float>(y + (long)c * count, count), mu, v, g, beta is null ? 0f : beta[c], eps);
                    break;
                }
                case Mode.ForwardInference:
                    Normalize(xc, new Span<float>(y + (long)c * count, count), mean[c], variance[c], g, beta is null ? 0f : beta[c], eps);
                    break;
                default:
                    BatchNormChannel.Backward(null, dy + (long)c * count, x + (long)c * count, null, null, false,
                        y is null ? null : y + (long)c * count, count, mean[c], variance[c], g, eps,
                        batchStatistics: mode == Mode.BackwardTraining, overwriteDx: false,
                        dGamma is null ? null : dGamma + c, dBeta is null ? null : dBeta + c);
                    break;
            }
        }
    }

    private static void Normalize(ReadOnlySpan<float> x, Span<float> y, float mu, float v, float g, float b, float eps)
    {
        float scale = g / MathF.Sqrt(v + eps), shift = b - mu * scale;
        var vs = new Vector<float>(scale);
        var vt = new Vector<float>(shift);
        int i = 0, n = Vector<float>.Count;
        for (; i + n <= x.Length; i += n) (new Vector<float>(x[i..]) * vs + vt).CopyTo(y[i..]);
        for (; i < x.Length; i++) y[i] = x[i] * scale + shift;
    }

    /// <summary>Reference loops in double, straight from the definitions.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="BatchNorm.ForwardTraining"/>
        public static void ForwardTraining(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            Span<float> mean, Span<float> variance, int channels, int count, float eps)
        {
            for (int c = 0; c < channels; c++)
            {
                double s = 0, ss = 0;
                for (int i = 0; i < count; i++) s += x[c * count + i];
                double mu = count == 0 ? 0 : s / count;
                for (int i = 0; i < count; i++) ss += (x[c * count + i] - mu) * (x[c * count + i] - mu);
                mean[c] = (float)mu;
                variance[c] = count == 0 ? 0f : (float)(ss / count);
            }
            ForwardInference(x, y, gamma, beta, mean, variance, channels, count, eps);
        }

        /// <inheritdoc cref="BatchNorm.ForwardInference"/>
        public static void ForwardInference(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
            ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, int channels, int count, float eps)
        {
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < count; i++)
                {
                    double xhat = (x[c * count + i] - runningMean[c]) / Math.Sqrt(runningVar[c] + (double)eps);
                    y[c * count + i] = (float)((gamma.IsEmpty ? 1 : gamma[c]) * xhat + (beta.IsEmpty ? 0 : beta[c]));
                }
        }

        /// <inheritdoc cref="BatchNorm.Backward"/>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean,
            ReadOnlySpan<float> variance, Span<float> dx, Span<float> dGamma, Span<float> dBeta, int channels, int count, float eps,
            bool batchStatistics = true)
        {
            for (int c = 0; c < channels; c++)
            {
                double invStd = 1 / Math.Sqrt(variance[c] + (double)eps), g = gamma.IsEmpty ? 1 : gamma[c];
                double sumDy = 0, sumDyXhat = 0;
                for (int i = 0; i < count; i++)
                {
                    sumDy += dy[c * count + i];
                    sumDyXhat += dy[c * count + i] * (x[c * count + i] - mean[c]) * invStd;
                }
                if (!dGamma.IsEmpty) dGamma[c] += (float)sumDyXhat;
                if (!dBeta.IsEmpty) dBeta[c] += (float)sumDy;
                if (dx.IsEmpty) continue;
                for (int i = 0; i < count; i++)
                {
                    double xhat = (x[c * count + i] - mean[c]) * invStd, d = dy[c * count + i];
                    if (batchStatistics) d -= (sumDy + xhat * sumDyXhat) / count;
                    dx[c * count + i] += (float)(g * invStd * d);
                }
            }
        }
    }
}
