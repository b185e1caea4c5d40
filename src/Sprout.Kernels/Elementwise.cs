// Elementwise arithmetic the Core needs between layers (gradient accumulation, scaling, products), in the
// kernels' Family.Op(x, y, destination) shape. Thin wrappers over TensorPrimitives, which already
// vectorizes these; they exist to fix the accumulate-vs-overwrite contract in one place. No broadcasting.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>Elementwise ops over equal-length spans (destination may be one of the inputs, exactly aliased).</summary>
public static partial class Elementwise
{
    /// <summary>destination = x + y.</summary>
    /// <exception cref="ArgumentException">Lengths differ (destination may be longer).</exception>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => TensorPrimitives.Add(x, y, destination);

    /// <summary>destination += x.</summary>
    /// <exception cref="ArgumentException">destination is shorter than x.</exception>
    public static void Accumulate(ReadOnlySpan<float> x, Span<float> destination)
    {
        Simd.RequireLength(x.Length, destination.Length, nameof(destination));
        var d = destination[..x.Length];
        TensorPrimitives.Add(d, x, d);
    }

    /// <summary>destination = x ⊙ y.</summary>
    /// <exception cref="ArgumentException">Lengths differ (destination may be longer).</exception>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) => TensorPrimitives.Multiply(x, y, destination);

    /// <summary>destination += x ⊙ y (not fused: x·y is rounded before the add, as in the scalar loop).</summary>
    /// <exception cref="ArgumentException">Lengths differ or destination is shorter.</exception>
    public static void MultiplyAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        Simd.RequireLength(x.Length, destination.Length, nameof(destination));
        var d = destination[..x.Length];
        TensorPrimitives.MultiplyAdd(x, y, d, d);
    }

    /// <summary>destination = α·x.</summary>
    /// <exception cref="ArgumentException">destination is shorter than x.</exception>
    public static void Scale(ReadOnlySpan<float> x, float alpha, Span<float> destination) => TensorPrimitives.Multiply(x, alpha, destination);

    /// <summary>y += α·x (BLAS axpy).</summary>
    /// <exception cref="ArgumentException">y is shorter than x.</exception>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        Simd.RequireLength(x.Length, y.Length, nameof(y));
        var d = y[..x.Length];
        TensorPrimitives.MultiplyAdd(x, alpha, d, d);
    }

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) { for (int i = 0; i < x.Length; i++) destination[i] = x[i] + y[i]; }
        public static void Accumulate(ReadOnlySpan<float> x, Span<float> destination) { for (int i = 0; i < x.Length; i++) destination[i] += x[i]; }
        public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) { for (int i = 0; i < x.Length; i++) destination[i] = x[i] * y[i]; }
        public static void MultiplyAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination) { for (int i = 0; i < x.Length; i++) destination[i] += x[i] * y[i]; }
        public static void Scale(ReadOnlySpan<float> x, float alpha, Span<float> destination) { for (int i = 0; i < x.Length; i++) destination[i] = alpha * x[i]; }
        public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y) { for (int i = 0; i < x.Length; i++) y[i] += alpha * x[i]; }
    }
}
