// What BatchNorm and its fused form BatchNormRelu compute alike for one channel of a FeatureMajor [C, B, H, W] tensor
// (a contiguous run of count values): the argument checks, the channel loop, the batch statistics, and the backward's
// sums and dx (with the fused operator's ReLU mask and residual gradient, which ride along the sums' pass). Written
// once so the fused and unfused operators cannot drift apart. Not here: the forward's normalize (BatchNormRelu fuses
// its ReLU and residual into it).
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    /// pointer null when not wanted), and dx (null: not wanted; = or += when <paramref name="overwriteDx"/> is false)
    /// = γ·σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) with batch statistics, else γ·σ⁻¹·g. With a ReLU after the normalization
    /// (<paramref name="y"/> not null: its output), g = dy where y &gt; 0, else 0, kept in <paramref name="scratch"/>
    /// [count] for dx, and written to (or added into) <paramref name="dResidual"/> when that is not null.
    /// </summary>
    /// <remarks>
    /// Two passes over the channel: the first reads dy (and y, x) once and does everything that needs only g — the
    /// ReLU mask, the residual's gradient and both sums (Σ g, Σ g·(x − μ)); the second writes dx from g and x. (The
    /// unfused version made five passes over g, one per step.)
    /// </remarks>
    public static void Backward(float* y, float* dy, float* x, float* scratch, float* dResidual, bool overwriteResidual, float* dx, int count,
        float mu, float variance, float gamma, float eps, bool batchStatistics, bool overwriteDx, float* dGamma, float* dBeta)
    {
        bool sums = dGamma is not null || dBeta is not null || (dx is not null && batchStatistics);
        float* g = y is null ? dy : scratch;
        // g is only stored when the mask makes it differ from dy and dx will read it again.
        var first = new MaskSumPass(y, dy, x, y is null || dx is null ? null : scratch, dResidual, overwriteResidual, mu);
        var (sumG, sumGXc) = sums || y is not null ? first.Run(count) : (0f, 0f);
        float invStd = 1f / MathF.Sqrt(variance + eps);
        if (dGamma is not null) *dGamma += sumGXc * invStd;
        if (dBeta is not null) *dBeta += sumG;
        if (dx is null) return;
        float k1 = gamma * invStd, k2 = 0f, k3 = 0f;
        if (batchStatistics && count > 0)
        {
            // dx = k1·g + k2·(x − μ) + k3.
            k2 = -gamma * invStd * invStd * invStd * sumGXc / count;
            k3 = -k1 * sumG / count;
        }
        Simd.Run(count, new AffineOp(new ReadOnlySpan<float>(g, count), new ReadOnlySpan<float>(x, count), new Span<float>(dx, count),
            k1, k2, k3 - k2 * mu, overwriteDx));
    }

    // The backward's first pass: g = dy masked by y > 0 (y null: g = dy), stored to g and to (or added into) dr when
    // those are not null, with Σ g and Σ g·(x − μ) accumulated in vector lanes. Widest vectors first, as Simd.Run.
    private readonly struct MaskSumPass(float* y, float* dy, float* x, float* g, float* dr, bool overwriteDr, float mu)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public (float SumG, float SumGXc) Run(int count)
        {
            nuint i = 0, n = (nuint)count;
            float sumG = 0f, sumGXc = 0f;
            if (Vector512.IsHardwareAccelerated) Loop<Vector512<float>, V512>(ref i, n, ref sumG, ref sumGXc);
            if (Vector256.IsHardwareAccelerated) Loop<Vector256<float>, V256>(ref i, n, ref sumG, ref sumGXc);
            if (Vector128.IsHardwareAccelerated) Loop<Vector128<float>, V128>(ref i, n, ref sumG, ref sumGXc);
            Loop<float, V1>(ref i, n, ref sumG, ref sumGXc);
            return (sumG, sumGXc);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Loop<TV, V>(ref nuint i, nuint n, ref float sumG, ref float sumGXc) where TV : struct where V : ISimd<TV>
        {
            nuint w = (nuint)V.Count;
            if (i + w > n) return;
            TV sg = V.Splat(0f), sgx = V.Splat(0f), m = V.Splat(mu);
            for (; i + w <= n; i += w)
            {
                var gv = V.Load(ref *dy, i);
                if (y is not null) gv = V.WherePositive(V.Load(ref *y, i), gv);
                if (g is not null) V.Store(gv, ref *g, i);
                if (dr is not null) V.Store(overwriteDr ? gv : V.Add(V.Load(ref *dr, i), gv), ref *dr, i);
                sg = V.Add(sg, gv);
                sgx = V.MultiplyAdd(gv, V.Sub(V.Load(ref *x, i), m), sgx);
            }
            sumG += V.Sum(sg);
            sumGXc += V.Sum(sgx);
        }
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
