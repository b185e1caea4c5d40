// Fused optimizer updates over flat parameter spans. Each works equally on dense weights and on the
// value array of a sparse layer (state aligned with the values), which is why they take spans only.
// The vector paths (Simd driver) do the same operations in the same order as the scalar loops, without
// fused multiply-adds, so they give bit-identical results to the reference.
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>In-place parameter updates. State spans (velocity, m, v) and g have at least w.Length elements.</summary>
public static partial class OptimizerUpdates
{
    /// <summary>
    /// SGD with (Nesterov) momentum and L2 weight decay, PyTorch semantics:
    /// g' = g + wd·w; v = μ·v + g'; step = nesterov ? g' + μ·v : v (or g' when μ = 0); w −= lr·step.
    /// </summary>
    /// <exception cref="ArgumentException">g or velocity (when μ ≠ 0) is shorter than w.</exception>
    public static void Sgd(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float momentum, float weightDecay, bool nesterov)
    {
        Simd.RequireLength(w.Length, g.Length, nameof(g));
        if (momentum == 0)
        {
            Simd.Run(w.Length, new SgdPlainOp(w, g, lr, weightDecay));
            return;
        }
        Simd.RequireLength(w.Length, velocity.Length, nameof(velocity));
        if (nesterov) Simd.Run(w.Length, new SgdMomentumOp<Nesterov>(w, g, velocity, lr, momentum, weightDecay));
        else Simd.Run(w.Length, new SgdMomentumOp<Classic>(w, g, velocity, lr, momentum, weightDecay));
    }

    /// <summary>
    /// Adam / AdamW, PyTorch semantics. With <paramref name="decoupled"/> (AdamW) w −= lr·wd·w before the step;
    /// otherwise wd·w is added to g. m = β1·m + (1−β1)g; v = β2·v + (1−β2)g²;
    /// w −= lr·(m/(1−β1^t)) / (√(v/(1−β2^t)) + ε). <paramref name="step"/> t starts at 1.
    /// </summary>
    /// <exception cref="ArgumentException">A state span is shorter than w, or step &lt; 1.</exception>
    public static void Adam(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float beta1, float beta2,
        float eps, float weightDecay, bool decoupled, int step)
    {
        Simd.RequireLength(w.Length, g.Length, nameof(g));
        Simd.RequireLength(w.Length, m.Length, nameof(m));
        Simd.RequireLength(w.Length, v.Length, nameof(v));
        if (step < 1) throw new ArgumentException($"Adam step counts from 1 (got {step}).", nameof(step));
        var op = new AdamOp(w, g, m, v, lr, beta1, beta2, eps, weightDecay, 1f - MathF.Pow(beta1, step), 1f - MathF.Pow(beta2, step));
        if (decoupled) Simd.Run(w.Length, op with { Decoupled = true });
        else Simd.Run(w.Length, op);
    }

    private readonly ref struct SgdPlainOp(Span<float> w, ReadOnlySpan<float> g, float lr, float wd) : IElementwise
    {
        private readonly Span<float> _w = w;
        private readonly ReadOnlySpan<float> _g = g;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var w = V.Load(ref Simd.At(_w), i);
            var gi = V.Add(V.Load(ref Simd.At(_g), i), V.Mul(V.Splat(wd), w));
            V.Store(V.Sub(w, V.Mul(V.Splat(lr), gi)), ref Simd.At(_w), i);
        }
    }

    private interface IMomentumKind { static abstract bool IsNesterov { get; } }
    private readonly struct Nesterov : IMomentumKind { public static bool IsNesterov => true; }
    private readonly struct Classic : IMomentumKind { public static bool IsNesterov => false; }

    private readonly ref struct SgdMomentumOp<TKind>(Span<float> w, ReadOnlySpan<float> g, Span<float> velocity, float lr, float mu, float wd)
        : IElementwise where TKind : IMomentumKind
    {
        private readonly Span<float> _w = w, _v = velocity;
        private readonly ReadOnlySpan<float> _g = g;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var w = V.Load(ref Simd.At(_w), i);
            var gi = V.Add(V.Load(ref Simd.At(_g), i), V.Mul(V.Splat(wd), w));
            var v = V.Add(V.Mul(V.Splat(mu), V.Load(ref Simd.At(_v), i)), gi);
            V.Store(v, ref Simd.At(_v), i);
            var stepDir = TKind.IsNesterov ? V.Add(gi, V.Mul(V.Splat(mu), v)) : v;
            V.Store(V.Sub(w, V.Mul(V.Splat(lr), stepDir)), ref Simd.At(_w), i);
        }
    }

    private readonly ref struct AdamOp(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float lr, float beta1, float beta2, float eps, float wd, float c1, float c2) : IElementwise
    {
        private readonly Span<float> _w = w, _m = m, _v = v;
        private readonly ReadOnlySpan<float> _g = g;
        public bool Decoupled { get; init; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Step<TV, V>(nuint i) where TV : struct where V : ISimd<TV>
        {
            var w = V.Load(ref Simd.At(_w), i);
            var gi = V.Load(ref Simd.At(_g), i);
            if (Decoupled) w = V.Sub(w, V.Mul(V.Mul(V.Splat(lr), V.Splat(wd)), w));
            else gi = V.Add(gi, V.Mul(V.Splat(wd), w));
            var m = V.Add(V.Mul(V.Splat(beta1), V.Load(ref Simd.At(_m), i)), V.Mul(V.Splat(1 - beta1), gi));
            var v = V.Add(V.Mul(V.Splat(beta2), V.Load(ref Simd.At(_v), i)), V.Mul(V.Mul(V.Splat(1 - beta2), gi), gi));
            V.Store(m, ref Simd.At(_m), i);
            V.Store(v, ref Simd.At(_v), i);
            // Same association as the scalar loop: (lr·(m/c1)) / (√(v/c2) + ε).
            var update = V.Div(V.Mul(V.Splat(lr), V.Div(m, V.Splat(c1))), V.Add(V.Sqrt(V.Div(v, V.Splat(c2))), V.Splat(eps)));
            V.Store(V.Sub(w, update), ref Simd.At(_w), i);
        }
    }

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
