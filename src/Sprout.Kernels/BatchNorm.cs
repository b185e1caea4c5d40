// Batch normalization over channels of a FeatureMajor tensor [C, B, H, W]: channel c is one contiguous run of
// count = B·H·W elements, so every statistic is a plain span reduction. Training mode normalizes with the batch's
// mean and biased variance (and returns them, for the running statistics and the backward); inference mode uses
// given running statistics. Channels are shared among the kernel threads; each writes only its own channel.
using System.Numerics;
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>Per-channel batch normalization y = γ·(x − μ)/√(σ² + ε) + β, forward and backward.</summary>
/// <remarks>γ and β may be empty spans (no affine transform: γ = 1, β = 0). Gradient outputs may be empty (not wanted).</remarks>
public static unsafe class BatchNorm
{
    private const long ParallelElements = 1 << 15;

    /// <summary>
    /// Normalizes each channel of x [channels × count] with its own mean and biased variance, written to
    /// <paramref name="mean"/> and <paramref name="variance"/> [channels]; y (overwritten) may alias x.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void ForwardTraining(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> mean, Span<float> variance, int channels, int count, float eps)
    {
        Validate(x.Length, y.Length, gamma.Length, beta.Length, channels, count, eps);
        Simd.RequireLength(channels, mean.Length, nameof(mean));
        Simd.RequireLength(channels, variance.Length, nameof(variance));
        fixed (float* px = x, py = y, pg = gamma, pb = beta, pm = mean, pv = variance)
            Run(channels, count, new Job(Mode.ForwardTraining, px, py, null, pg, pb, pm, pv, null, null, count, eps));
    }

    /// <summary>y = γ·(x − runningMean)/√(runningVar + ε) + β per channel of x [channels × count]; y may alias x.</summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or ε is not positive.</exception>
    public static void ForwardInference(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, int channels, int count, float eps)
    {
        Validate(x.Length, y.Length, gamma.Length, beta.Length, channels, count, eps);
        Simd.RequireLength(channels, runningMean.Length, nameof(runningMean));
        Simd.RequireLength(channels, runningVar.Length, nameof(runningVar));
        fixed (float* px = x, py = y, pg = gamma, pb = beta, pm = runningMean, pv = runningVar)
            Run(channels, count, new Job(Mode.ForwardInference, px, py, null, pg, pb, pm, pv, null, null, count, eps));
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
        Validate(x.Length, dy.Length, gamma.Length, 0, channels, count, eps);
        Simd.RequireLength(channels, mean.Length, nameof(mean));
        Simd.RequireLength(channels, variance.Length, nameof(variance));
        if (!dx.IsEmpty) Simd.RequireLength(channels * count, dx.Length, nameof(dx));
        if (!dGamma.IsEmpty) Simd.RequireLength(channels, dGamma.Length, nameof(dGamma));
        if (!dBeta.IsEmpty) Simd.RequireLength(channels, dBeta.Length, nameof(dBeta));
        fixed (float* px = x, pdy = dy, pg = gamma, pm = mean, pv = variance, pdx = dx, pdg = dGamma, pdb = dBeta)
            Run(channels, count, new Job(batchStatistics ? Mode.BackwardTraining : Mode.BackwardInference,
                px, pdx, pdy, pg, null, pm, pv, pdg, pdb, count, eps));
    }

    private static void Validate(int xLength, int yLength, int gammaLength, int betaLength, int channels, int count, float eps)
    {
        if (channels < 0 || count < 0) throw new ArgumentException($"Channels and count must be non-negative (got {channels}, {count}).");
        if (!(eps > 0)) throw new ArgumentException($"BatchNorm ε must be positive (got {eps}).", nameof(eps));
        int size = checked(channels * count);
        Simd.RequireLength(size, xLength, "x");
        Simd.RequireLength(size, yLength, "y");
        if (gammaLength != 0) Simd.RequireLength(channels, gammaLength, "gamma");
        if (betaLength != 0) Simd.RequireLength(channels, betaLength, "beta");
    }

    private static void Run(int channels, int count, in Job job)
    {
        if ((long)channels * count < ParallelElements) for (int c = 0; c < channels; c++) job.Execute(c);
        else Parallelism.For(channels, job);
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
                    float mu = count == 0 ? 0f : TensorPrimitives.Sum(xc) / count;
                    float v = count == 0 ? 0f : SumSquaredDeviation(xc, mu) / count;
                    mean[c] = mu;
                    variance[c] = v;
                    Normalize(xc, new Span<float>(y + (long)c * count, count), mu, v, g, beta is null ? 0f : beta[c], eps);
                    break;
                }
                case Mode.ForwardInference:
                    Normalize(xc, new Span<float>(y + (long)c * count, count), mean[c], variance[c], g, beta is null ? 0f : beta[c], eps);
                    break;
                default:
                {
                    var dyc = new ReadOnlySpan<float>(dy + (long)c * count, count);
                    float mu = mean[c], invStd = 1f / MathF.Sqrt(variance[c] + eps);
                    float sumDy = TensorPrimitives.Sum(dyc);
                    float sumDyXc = SumProductDeviation(dyc, xc, mu);
                    if (dGamma is not null) dGamma[c] += sumDyXc * invStd;
                    if (dBeta is not null) dBeta[c] += sumDy;
                    if (y is null) break;
                    var dxc = new Span<float>(y + (long)c * count, count);
                    float k1 = g * invStd;
                    if (mode == Mode.BackwardInference || count == 0) { TensorPrimitives.MultiplyAdd(dyc, k1, dxc, dxc); break; }
                    // dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)) = k1·dy + k2·(x − μ) + k3.
                    float k2 = -g * invStd * invStd * invStd * sumDyXc / count, k3 = -k1 * sumDy / count;
                    AddAffine(dyc, xc, dxc, k1, k2, k3 - k2 * mu);
                    break;
                }
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

    private static float SumSquaredDeviation(ReadOnlySpan<float> x, float mu)
    {
        var acc = Vector<float>.Zero;
        var m = new Vector<float>(mu);
        int i = 0, n = Vector<float>.Count;
        for (; i + n <= x.Length; i += n) { var d = new Vector<float>(x[i..]) - m; acc += d * d; }
        float s = Vector.Sum(acc);
        for (; i < x.Length; i++) { float d = x[i] - mu; s += d * d; }
        return s;
    }

    private static float SumProductDeviation(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mu)
    {
        var acc = Vector<float>.Zero;
        var m = new Vector<float>(mu);
        int i = 0, n = Vector<float>.Count;
        for (; i + n <= x.Length; i += n) acc += new Vector<float>(dy[i..]) * (new Vector<float>(x[i..]) - m);
        float s = Vector.Sum(acc);
        for (; i < x.Length; i++) s += dy[i] * (x[i] - mu);
        return s;
    }

    // dx += a·dy + b·x + k
    private static void AddAffine(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, Span<float> dx, float a, float b, float k)
    {
        var va = new Vector<float>(a);
        var vb = new Vector<float>(b);
        var vk = new Vector<float>(k);
        int i = 0, n = Vector<float>.Count;
        for (; i + n <= x.Length; i += n)
            (new Vector<float>(dx[i..]) + va * new Vector<float>(dy[i..]) + vb * new Vector<float>(x[i..]) + vk).CopyTo(dx[i..]);
        for (; i < x.Length; i++) dx[i] += a * dy[i] + b * x[i] + k;
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
