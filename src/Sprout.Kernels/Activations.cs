// Elementwise activations and their backward passes. Backward kernels accumulate into dx.
// Each op is a ref struct run by the Simd driver (Vector512 → 256 → 128 → scalar tail); tanh and sigmoid
// forwards use TensorPrimitives, which already vectorizes them accurately. Spans may alias exactly
// (in place, x == y) but must not partially overlap.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>Activation functions: y = f(x), and dx += f'(·)·dy. All spans have the same length (x's or y's).</summary>
public static partial class Activations
{
    /// <summary>y = max(x, 0); NaN stays NaN (as in PyTorch), so divergence is not hidden.</summary>
    /// <exception cref="ArgumentException">y is shorter than x.</exception>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y)
    {
        Simd.RequireLength(x.Length, y.Length, nameof(y));
        Simd.Run(x.Length, new ReluOp(x, y));
    }

    /// <summary>dx += dy where y &gt; 0 (y is the forward output).</summary>
    /// <exception cref="ArgumentException">dy or dx is shorter than y.</exception>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check(y.Length, dy.Length, dx.Length);
        Simd.Run(y.Length, new ReluBackwardOp(y, dy, dx));
    }

    /// <summary>y = tanh(x).</summary>
    /// <exception cref="ArgumentException">y is shorter than x.</exception>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        Simd.RequireLength(x.Length, y.Length, nameof(y));
        if (x.Length > 0) TensorPrimitives.Tanh(x, y[..x.Length]);
    }

    /// <summary>dx += (1 − y²)·dy.</summary>
    /// <exception cref="ArgumentException">dy or dx is shorter than y.</exception>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check(y.Length, dy.Length, dx.Length);
        Simd.Run(y.Length, new TanhBackwardOp(y, dy, dx));
    }

    /// <summary>y = 1 / (1 + e^−x).</summary>
    /// <exception cref="ArgumentException">y is shorter than x.</exception>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        Simd.RequireLength(x.Length, y.Length, nameof(y));
        if (x.Length > 0) TensorPrimitives.Sigmoid(x, y[..x.Length]);   // it rejects empty spans
    }

    /// <summary>dx += y(1 − y)·dy.</summary>
    /// <exception cref="ArgumentException">dy or dx is shorter than y.</exception>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check(y.Length, dy.Length, dx.Length);
        Simd.Run(y.Length, new SigmoidBackwardOp(y, dy, dx));
    }

    /// <summary>Swish with sharpness β: y = x·σ(βx) = x / (1 + e^−βx) (β = 1 is SiLU; β → ∞ tends to ReLU).</summary>
    /// <exception cref="ArgumentException">y is shorter than x.</exception>
    public static void Swish(ReadOnlySpan<float> x, Span<float> y, float beta)
    {
        Simd.RequireLength(x.Length, y.Length, nameof(y));
        Simd.Run(x.Length, new SwishOp(x, y, beta));
    }

    /// <summary>dx += (σ(βx) + βx·σ(βx)(1 − σ(βx)))·dy (x is the forward input).</summary>
    /// <exception cref="ArgumentException">dy or dx is shorter than x.</exception>
    public static void SwishBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float beta)
    {
        Check(x.Length, dy.Length, dx.Length);
        Simd.Run(x.Length, new SwishBackwardOp(x, dy, dx, beta));
    }

    private static void Check(int length, int dyLength, int dxLength)
    {
        Simd.RequireLength(length, dyLength, "dy");
        Simd.RequireLength(length, dxLength, "dx");
    }

    private readonly ref struct ReluOp(ReadOnlySpan<float> x, Span<float> y) : IElementwise
    {
        private readonly ReadOnlySpan<float> _x = x;
        private readonly Span<float> _y = y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            V.Store(V.ZeroWhereNotPositive(V.Load(ref Simd.At(_x), i)), ref Simd.At(_y), i);
        }
    }

    private readonly ref struct ReluBackwardOp(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) : IElementwise
    {
        private readonly ReadOnlySpan<float> _y = y, _dy = dy;
        private readonly Span<float> _dx = dx;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var g = V.WherePositive(V.Load(ref Simd.At(_y), i), V.Load(ref Simd.At(_dy), i));
            V.Store(V.Add(V.Load(ref Simd.At(_dx), i), g), ref Simd.At(_dx), i);
        }
    }

    private readonly ref struct TanhBackwardOp(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) : IElementwise
    {
        private readonly ReadOnlySpan<float> _y = y, _dy = dy;
        private readonly Span<float> _dx = dx;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var y = V.Load(ref Simd.At(_y), i);
            var g = V.Mul(V.Sub(V.Splat(1f), V.Mul(y, y)), V.Load(ref Simd.At(_dy), i));
            V.Store(V.Add(V.Load(ref Simd.At(_dx), i), g), ref Simd.At(_dx), i);
        }
    }

    private readonly ref struct SigmoidBackwardOp(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) : IElementwise
    {
        private readonly ReadOnlySpan<float> _y = y, _dy = dy;
        private readonly Span<float> _dx = dx;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var y = V.Load(ref Simd.At(_y), i);
            var g = V.Mul(V.Mul(y, V.Sub(V.Splat(1f), y)), V.Load(ref Simd.At(_dy), i));
            V.Store(V.Add(V.Load(ref Simd.At(_dx), i), g), ref Simd.At(_dx), i);
        }
    }

    private readonly ref struct SwishOp(ReadOnlySpan<float> x, Span<float> y, float beta) : IElementwise
    {
        private readonly ReadOnlySpan<float> _x = x;
        private readonly Span<float> _y = y;
        private readonly float _negBeta = -beta;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var x = V.Load(ref Simd.At(_x), i);
            V.Store(V.Div(x, V.Add(V.Splat(1f), V.Exp(V.Mul(V.Splat(_negBeta), x)))), ref Simd.At(_y), i);
        }
    }

    private readonly ref struct SwishBackwardOp(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float beta) : IElementwise
    {
        private readonly ReadOnlySpan<float> _x = x, _dy = dy;
        private readonly Span<float> _dx = dx;
        private readonly float _beta = beta;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var one = V.Splat(1f);
            var bx = V.Mul(V.Splat(_beta), V.Load(ref Simd.At(_x), i));
            var s = V.Div(one, V.Add(one, V.Exp(V.Sub(default, bx))));
            var d = V.Add(s, V.Mul(V.Mul(bx, s), V.Sub(one, s)));
            V.Store(V.Add(V.Load(ref Simd.At(_dx), i), V.Mul(d, V.Load(ref Simd.At(_dy), i))), ref Simd.At(_dx), i);
        }
    }

    /// <summary>Reference loops.</summary>
    public static partial class Scalar
    {
        public static void Relu(ReadOnlySpan<float> x, Span<float> y) { for (int i = 0; i < x.Length; i++) y[i] = x[i] <= 0 ? 0 : x[i]; } // NaN passes through
        public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) { for (int i = 0; i < y.Length; i++) if (y[i] > 0) dx[i] += dy[i]; }
        public static void Tanh(ReadOnlySpan<float> x, Span<float> y) { for (int i = 0; i < x.Length; i++) y[i] = MathF.Tanh(x[i]); }
        public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) { for (int i = 0; i < y.Length; i++) dx[i] += (1 - y[i] * y[i]) * dy[i]; }
        public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) { for (int i = 0; i < x.Length; i++) y[i] = 1f / (1f + MathF.Exp(-x[i])); }
        public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) { for (int i = 0; i < y.Length; i++) dx[i] += y[i] * (1 - y[i]) * dy[i]; }
        public static void Swish(ReadOnlySpan<float> x, Span<float> y, float beta) { for (int i = 0; i < x.Length; i++) y[i] = x[i] / (1f + MathF.Exp(-beta * x[i])); }
        public static void SwishBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float beta)
        {
            for (int i = 0; i < x.Length; i++)
            {
                float s = 1f / (1f + MathF.Exp(-beta * x[i]));
                dx[i] += (s + beta * x[i] * s * (1 - s)) * dy[i];
            }
        }
    }
}
