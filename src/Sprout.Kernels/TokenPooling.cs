// Mean over the tokens of each sample: [B·N, D] token rows → [B, D], the ViT head's pooling (simple_vit's
// x.mean(dim = 1)). Summed in token order with TensorPrimitives row adds, then scaled by 1/N.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>Token mean pooling and its backward.</summary>
public static class TokenPooling
{
    /// <summary>y[b, ·] = (1/N)·Σ_n x[b·N + n, ·] for x [batch·count × dim] and y [batch × dim] (overwrites y).</summary>
    /// <exception cref="ArgumentException">A size is negative, count is 0 with a non-empty batch, or a span is too short.</exception>
    public static void Mean(ReadOnlySpan<float> x, Span<float> y, int batch, int count, int dim)
    {
        Validate(x.Length, y.Length, batch, count, dim);
        for (int b = 0; b < batch; b++)
        {
            var yb = y.Slice(b * dim, dim);
            x.Slice(b * count * dim, dim).CopyTo(yb);
            for (int n = 1; n < count; n++) TensorPrimitives.Add(yb, x.Slice((b * count + n) * dim, dim), yb);
            TensorPrimitives.Multiply(yb, 1f / count, yb);
        }
    }

    /// <summary>dx[b·N + n, ·] += dy[b, ·]/N (accumulates).</summary>
    /// <exception cref="ArgumentException">A size is negative, count is 0 with a non-empty batch, or a span is too short.</exception>
    public static void MeanBackward(ReadOnlySpan<float> dy, Span<float> dx, int batch, int count, int dim)
    {
        Validate(dx.Length, dy.Length, batch, count, dim);
        float w = 1f / count;
        for (int b = 0; b < batch; b++)
            for (int n = 0; n < count; n++)
            {
                var d = dx.Slice((b * count + n) * dim, dim);
                TensorPrimitives.MultiplyAdd(dy.Slice(b * dim, dim), w, d, d);
            }
    }

    private static void Validate(int tokensLength, int pooledLength, int batch, int count, int dim)
    {
        if (batch < 0 || count < 0 || dim < 0) throw new ArgumentException($"Sizes must be non-negative (batch={batch}, count={count}, dim={dim}).");
        if (count == 0 && batch > 0) throw new ArgumentException("Mean pooling needs at least one token per sample.", nameof(count));
        Simd.RequireLength(checked(batch * count * dim), tokensLength, "x");
        Simd.RequireLength(checked(batch * dim), pooledLength, "y");
    }

    /// <summary>Reference loops (sums in double).</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="TokenPooling.Mean"/>
        public static void Mean(ReadOnlySpan<float> x, Span<float> y, int batch, int count, int dim)
        {
            for (int b = 0; b < batch; b++)
                for (int e = 0; e < dim; e++)
                {
                    double s = 0;
                    for (int n = 0; n < count; n++) s += x[(b * count + n) * dim + e];
                    y[b * dim + e] = (float)(s / count);
                }
        }

        /// <inheritdoc cref="TokenPooling.MeanBackward"/>
        public static void MeanBackward(ReadOnlySpan<float> dy, Span<float> dx, int batch, int count, int dim)
        {
            for (int b = 0; b < batch; b++)
                for (int n = 0; n < count; n++)
                    for (int e = 0; e < dim; e++) dx[(b * count + n) * dim + e] += dy[b * dim + e] / count;
        }
    }
}
