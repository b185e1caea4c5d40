// Fused optimizer updates over flat parameter spans. Each works equally on dense weights and on the
// value array of a sparse layer (state aligned with the values), which is why they take spans only.
namespace Sprout.Kernels;

/// <summary>In-place parameter updates.</summary>
public static partial class OptimizerUpdates
{
    /// <summary>
    /// SGD with (Nesterov) momentum and L2 weight decay, PyTorch semantics:
    /// g' = g + wd·w; v = μ·v + g'; step = nesterov ? g' + μ·v : v (or g' when μ = 0); w −= lr·step.
    /// </summary>
    public static void Sgd(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float momentum, float weightDecay, bool nesterov)
        => Scalar.Sgd(w, g, velocity, lr, momentum, weightDecay, nesterov);

    /// <summary>
    /// Adam / AdamW, PyTorch semantics. With <paramref name="decoupled"/> (AdamW) w −= lr·wd·w before the step;
    /// otherwise wd·w is added to g. m = β1·m + (1−β1)g; v = β2·v + (1−β2)g²;
    /// w −= lr·(m/(1−β1^t)) / (√(v/(1−β2^t)) + ε). <paramref name="step"/> t starts at 1.
    /// </summary>
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float beta1, float beta2,
        float eps, float weightDecay, bool decoupled, int step)
        => Scalar.Adam(w, g, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, step);

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        public static void Sgd(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float momentum, float weightDecay, bool nesterov)
        {
            for (int i = 0; i < w.Length; i++)
            {
                float gi = g[i] + weightDecay * w[i];
                if (momentum != 0)
                {
                    float v = momentum * velocity[i] + gi;
                    velocity[i] = v;
                    gi = nesterov ? gi + momentum * v : v;
                }
                w[i] -= lr * gi;
            }
        }

        public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float beta1, float beta2,
            float eps, float weightDecay, bool decoupled, int step)
        {
            float c1 = 1f - MathF.Pow(beta1, step), c2 = 1f - MathF.Pow(beta2, step);
            for (int i = 0; i < w.Length; i++)
            {
                float gi = g[i];
                if (decoupled) w[i] -= lr * weightDecay * w[i];
                else gi += weightDecay * w[i];
                m[i] = beta1 * m[i] + (1 - beta1) * gi;
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
                w[i] -= lr * (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + eps);
            }
        }
    }
}
