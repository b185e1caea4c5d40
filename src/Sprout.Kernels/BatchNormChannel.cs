// What BatchNorm and its fused form BatchNormRelu compute alike for one channel of a FeatureMajor [C, B, H, W] tensor
// (a contiguous run of count values): the argument checks, the channel loop, the batch statistics, and the backward's
// sums and dx. Written once so the fused and unfused operators cannot drift apart. Not here: the forward's
// normalize (BatchNormRelu fuses its ReLU and residual into it) and the ReLU mask.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

internal static unsafe class BatchNormChannel
{
    // Below this many elements one thread does every channel: waking the other costs more than it saves.
    private const long ParallelElements = 1 << 15;

    // Values per statistics chunk: 16 KB, read twice from L1 (sum, then squared deviations from the chunk's mean).
    private const int Chunk = 4096;

    /// <summary>Throws unless sizes are non-negative, ε &gt; 0, x and y hold channels·count and γ, β are empty or [channels].</summary>
    public static void Validate(int xLength, int yLength, int gammaLength, int betaLength, int channels, int count, float eps)
    {
        if (channels < 0 || count < 0) throw new ArgumentException($"Channels and count must be non-negative (got {channels}, {count}).");
        if (!(eps > 0)) throw new ArgumentException($"BatchNorm ε must be positive (got {eps}).", nameof(eps));
        int size = checked(channels * count);
        Simd.RequireLength(size, xLength, "x");
        Simd.RequireLength(size, yLength, "y");
        if (gammaLength != 0) Simd.RequireLength(channels, gammaLength, "gamma");
        if (betaLength != 0) Simd.RequireLength(channels, betaLength, "beta");
    }

    /// <summary>Runs job.Execute(c) for every channel, on the kernel threads when the tensor is large enough.</summary>
    public static void Run<TJob>(int channels, int count, in TJob job) where TJob : struct, IParallelJob
    {
        if ((long)channels * count < ParallelElements) for (int c = 0; c < channels; c++) job.Execute(c);
        else Parallelism.For(channels, job);
    }

    /// <summary>Mean and biased variance of x[0..count): per chunk a sum and squared deviations from the chunk's own mean
    /// (both over L1), merged in double by Chan et al.'s pairwise rule, so x is read from memory once.</summary>
    public static (float Mean, float Variance) Statistics(float* x, int count)
    {
        if (count == 0) return (0f, 0f);
        double n = 0, mu = 0, m2 = 0;
        for (int i = 0; i < count; i += Chunk)
        {
            var part = new ReadOnlySpan<float>(x + i, Math.Min(Chunk, count - i));
            float partMean = TensorPrimitives.Sum(part) / part.Length;
            double partM2 = SumSquaredDeviation(part, partMean), nb = part.Length, delta = partMean - mu, total = n + nb;
            mu += delta * nb / total;
            m2 += partM2 + delta * delta * n * nb / total;
            n = total;
        }
        return ((float)mu, (float)(m2 / n));
    }

    /// <summary>
    /// Backward of y = γ·(x − μ)/√(σ² + ε) + β for one channel, from g = ∂L/∂y: dγ += Σ g·x̂ and dβ += Σ g (each
    /// pointer null when not wanted), and dx (= or += when <paramref name="overwriteDx"/> is false; empty: not wanted)
    /// = γ·σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) with batch statistics, else γ·σ⁻¹·g.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> dx, float mu, float variance, float gamma,
        float eps, bool batchStatistics, bool overwriteDx, float* dGamma, float* dBeta)
    {
        if (dGamma is null && dBeta is null && dx.IsEmpty) return;
        int count = x.Length;
        float invStd = 1f / MathF.Sqrt(variance + eps);
        float sumG = count == 0 ? 0f : TensorPrimitives.Sum(g);
        float sumGXc = SumProductDeviation(g, x, mu);
        if (dGamma is not null) *dGamma += sumGXc * invStd;
        if (dBeta is not null) *dBeta += sumG;
        if (dx.IsEmpty) return;
        float k1 = gamma * invStd, k2 = 0f, k3 = 0f;
        if (batchStatistics && count > 0)
        {
            // dx = k1·g + k2·(x − μ) + k3.
            k2 = -gamma * invStd * invStd * invStd * sumGXc / count;
            k3 = -k1 * sumG / count;
        }
        Simd.Run(count, new AffineOp(g, x, dx, k1, k2, k3 - k2 * mu, overwriteDx));
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

    private static float SumProductDeviation(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float mu)
    {
        var acc = Vector<float>.Zero;
        var m = new Vector<float>(mu);
        int i = 0, n = Vector<float>.Count;
        for (; i + n <= x.Length; i += n) acc += new Vector<float>(g[i..]) * (new Vector<float>(x[i..]) - m);
        float s = Vector.Sum(acc);
        for (; i < x.Length; i++) s += g[i] * (x[i] - mu);
        return s;
    }

    // dx (= or +=) a·g + b·x + k.
    private readonly ref struct AffineOp(ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> dx, float a, float b, float k, bool overwrite) : IElementwise
    {
        private readonly ReadOnlySpan<float> _g = g, _x = x;
        private readonly Span<float> _dx = dx;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var v = V.Add(V.Add(V.Mul(V.Splat(a), V.Load(ref Simd.At(_g), i)), V.Mul(V.Splat(b), V.Load(ref Simd.At(_x), i))), V.Splat(k));
            if (!overwrite) v = V.Add(V.Load(ref Simd.At(_dx), i), v);
            V.Store(v, ref Simd.At(_dx), i);
        }
    }
}
