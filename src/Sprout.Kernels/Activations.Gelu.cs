// GELU, the exact form x·Φ(x) with Φ the standard normal CDF (Hendrycks & Gimpel 2016). This is PyTorch's
// nn.GELU() default (approximate='none'), which lucidrains' simple_vit uses, so a Sprout ViT matches it rather
// than the tanh approximation. .NET has no erf, so Φ comes from Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7 in
// erf, below float resolution of Φ near 1): with a = |x|/√2 and t = 1/(1 + p·a),
//   h = ½·erfc(a) = ½·(a1 t + … + a5 t⁵)·e^(−a²),  Φ(x) = 1 − h for x > 0, h otherwise.
// The sign choice is V.WherePositive, so one formula serves every vector width and the scalar tail.
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

public static partial class Activations
{
    private const float GeluP = 0.3275911f, GeluA1 = 0.254829592f, GeluA2 = -0.284496736f, GeluA3 = 1.421413741f,
        GeluA4 = -1.453152027f, GeluA5 = 1.061405429f, InvSqrt2 = 0.70710678f, InvSqrt2Pi = 0.39894228f;

    /// <summary>y = x·Φ(x), the exact (erf) GELU.</summary>
    /// <exception cref="ArgumentException">y is shorter than x.</exception>
    public static unsafe void Gelu(ReadOnlySpan<float> x, Span<float> y)
    {
        Simd.RequireLength(x.Length, y.Length, nameof(y));
        fixed (float* px = x, py = y) RunGelu(new GeluJob(px, py, null, x.Length, backward: false, accumulate: false));
    }

    /// <summary>
    /// dx += (Φ(x) + x·φ(x))·dy with φ the standard normal density (x is the forward input); with
    /// <paramref name="accumulate"/> false dx is overwritten instead (for a gradient nothing has written yet).
    /// </summary>
    /// <exception cref="ArgumentException">dy or dx is shorter than x.</exception>
    public static unsafe void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate = true)
    {
        Check(x.Length, dy.Length, dx.Length);
        fixed (float* px = x, pdy = dy, pdx = dx) RunGelu(new GeluJob(px, pdx, pdy, x.Length, backward: true, accumulate));
    }

    // GELU costs an exp and a division per element: from 64K elements the chunks are shared among the kernel threads.
    // Chunks are a multiple of every vector width, so each element takes the same path whatever the thread count.
    private const int GeluChunk = 1 << 14;

    private static void RunGelu(in GeluJob job)
    {
        if (job.Parts >= 4 && Parallelism.Threads > 1) Parallelism.For(job.Parts, job);
        else for (int p = 0; p < job.Parts; p++) job.Execute(p);
    }

    private readonly unsafe struct GeluJob(float* x, float* output, float* dy, int length, bool backward, bool accumulate) : IParallelJob
    {
        public int Parts => (length + GeluChunk - 1) / GeluChunk;

        public void Execute(int part)
        {
            int start = part * GeluChunk, len = Math.Min(GeluChunk, length - start);
            var g = backward ? new ReadOnlySpan<float>(dy + start, len) : default;
            Simd.Run(len, new GeluOp(new ReadOnlySpan<float>(x + start, len), new Span<float>(output + start, len), g, backward, accumulate));
        }
    }

    /// <summary>Forward: output = x·Φ. Backward: output (=|+=) (Φ + x·φ)·dy.</summary>
    private readonly ref struct GeluOp(ReadOnlySpan<float> x, Span<float> output, ReadOnlySpan<float> dy, bool backward, bool accumulate) : IElementwise
    {
        private readonly ReadOnlySpan<float> _x = x, _dy = dy;
        private readonly Span<float> _out = output;
        private readonly bool _backward = backward, _accumulate = accumulate;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var x = V.Load(ref Simd.At(_x), i);
            var one = V.Splat(1f);
            var a = V.Mul(V.Sqrt(V.Mul(x, x)), V.Splat(InvSqrt2));
            var t = V.Div(one, V.Add(one, V.Mul(V.Splat(GeluP), a)));
            var poly = V.Add(V.Splat(GeluA4), V.Mul(t, V.Splat(GeluA5)));
            poly = V.Add(V.Splat(GeluA3), V.Mul(t, poly));
            poly = V.Add(V.Splat(GeluA2), V.Mul(t, poly));
            poly = V.Add(V.Splat(GeluA1), V.Mul(t, poly));
            var gauss = V.Exp(V.Sub(default, V.Mul(a, a)));          // e^(−x²/2)
            var h = V.Mul(V.Mul(V.Splat(0.5f), V.Mul(t, poly)), gauss);
            var cdf = V.Add(h, V.WherePositive(x, V.Sub(one, V.Add(h, h))));
            if (!_backward)
            {
                V.Store(V.Mul(x, cdf), ref Simd.At(_out), i);
                return;
            }
            var d = V.Add(cdf, V.Mul(x, V.Mul(V.Splat(InvSqrt2Pi), gauss)));
            var g = V.Mul(d, V.Load(ref Simd.At(_dy), i));
            V.Store(_accumulate ? V.Add(V.Load(ref Simd.At(_out), i), g) : g, ref Simd.At(_out), i);
        }
    }

    public static partial class Scalar
    {
        /// <summary>Φ(x) by the same Abramowitz–Stegun formula, in double.</summary>
        private static double Cdf(double x)
        {
            double a = Math.Abs(x) * InvSqrt2, t = 1 / (1 + GeluP * a);
            double h = 0.5 * t * (GeluA1 + t * (GeluA2 + t * (GeluA3 + t * (GeluA4 + t * GeluA5)))) * Math.Exp(-a * a);
            return x > 0 ? 1 - h : h;
        }

        /// <inheritdoc cref="Activations.Gelu"/>
        public static void Gelu(ReadOnlySpan<float> x, Span<float> y) { for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * Cdf(x[i])); }

        /// <inheritdoc cref="Activations.GeluBackward"/>
        public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate = true)
        {
            for (int i = 0; i < x.Length; i++)
            {
                float g = (float)((Cdf(x[i]) + x[i] * InvSqrt2Pi * Math.Exp(-0.5 * x[i] * x[i])) * dy[i]);
                dx[i] = accumulate ? dx[i] + g : g;
            }
        }
    }
}
