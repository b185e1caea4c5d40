// Elementwise activations and their backward passes. Backward kernels accumulate into dx.
namespace Sprout.Kernels;

/// <summary>Activation functions: y = f(x), and dx += f'(·)·dy.</summary>
public static partial class Activations
{
    /// <summary>y = max(x, 0).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => Scalar.Relu(x, y);

    /// <summary>dx += dy where y &gt; 0 (y is the forward output).</summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Scalar.ReluBackward(y, dy, dx);

    /// <summary>y = tanh(x).</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y) => Scalar.Tanh(x, y);

    /// <summary>dx += (1 − y²)·dy.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Scalar.TanhBackward(y, dy, dx);

    /// <summary>y = 1 / (1 + e^−x).</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Scalar.Sigmoid(x, y);

    /// <summary>dx += y(1 − y)·dy.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Scalar.SigmoidBackward(y, dy, dx);

    /// <summary>Swish with sharpness β: y = x·σ(βx) (β = 1 is SiLU; β → ∞ tends to ReLU).</summary>
    public static void Swish(ReadOnlySpan<float> x, Span<float> y, float beta) => Scalar.Swish(x, y, beta);

    /// <summary>dx += (σ(βx) + βx·σ(βx)(1 − σ(βx)))·dy.</summary>
    public static void SwishBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float beta) => Scalar.SwishBackward(x, dy, dx, beta);

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        public static void Relu(ReadOnlySpan<float> x, Span<float> y) { for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : 0; }
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
