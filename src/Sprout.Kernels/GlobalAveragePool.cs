// Global average pooling from a FeatureMajor conv activation [C, B, H, W] to a BatchMajor [B, C] row per image,
// so a classifier head (Linear) sees its usual layout without a separate reorder.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>y[b, c] = mean of plane (c, b) of x [C, B, H·W], and its backward.</summary>
public static class GlobalAveragePool
{
    /// <summary>y[b·channels + c] = mean of x[c, b, ·] (overwritten). x is [channels, batch, plane]; y is [batch × channels].</summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int channels, int batch, int plane)
    {
        Validate(x.Length, y.Length, channels, batch, plane);
        float inv = 1f / plane;
        for (int c = 0; c < channels; c++)
            for (int b = 0; b < batch; b++) y[b * channels + c] = TensorPrimitives.Sum(x.Slice((c * batch + b) * plane, plane)) * inv;
    }

    /// <summary>dx[c, b, ·] += dy[b, c] / plane (accumulates).</summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int channels, int batch, int plane)
    {
        Validate(dx.Length, dy.Length, channels, batch, plane);
        float inv = 1f / plane;
        for (int c = 0; c < channels; c++)
            for (int b = 0; b < batch; b++)
            {
                var d = dx.Slice((c * batch + b) * plane, plane);
                TensorPrimitives.Add(d, dy[b * channels + c] * inv, d);
            }
    }

    private static void Validate(int xLength, int yLength, int channels, int batch, int plane)
    {
        if (channels < 0 || batch < 0 || plane < 1)
            throw new ArgumentException($"Global pooling needs non-negative channels and batch and a plane of at least 1 (got {channels}, {batch}, {plane}).");
        Simd.RequireLength(checked(channels * batch * plane), xLength, "x");
        Simd.RequireLength(channels * batch, yLength, "y");
    }

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="GlobalAveragePool.Forward"/>
        public static void Forward(ReadOnlySpan<float> x, Span<float> y, int channels, int batch, int plane)
        {
            for (int c = 0; c < channels; c++)
                for (int b = 0; b < batch; b++)
                {
                    double s = 0;
                    for (int p = 0; p < plane; p++) s += x[(c * batch + b) * plane + p];
                    y[b * channels + c] = (float)(s / plane);
                }
        }

        /// <inheritdoc cref="GlobalAveragePool.Backward"/>
        public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int channels, int batch, int plane)
        {
            for (int c = 0; c < channels; c++)
                for (int b = 0; b < batch; b++)
                    for (int p = 0; p < plane; p++) dx[(c * batch + b) * plane + p] += dy[b * channels + c] / plane;
        }
    }
}
