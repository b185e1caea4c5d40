// 2-d average pooling over independent planes (C·B planes of a FeatureMajor [C, B, H, W] tensor). Like PyTorch's
// default (count_include_pad = true), every window divides by kH·kW, padded taps counting as zeros, so the backward
// spreads dy / (kH·kW) over the window's real taps. The fast path clips each window to the plane once per output.
namespace Sprout.Kernels;

/// <summary>Average pooling: y = (Σ of the window's real taps) / (kH·kW).</summary>
public static class AveragePooling
{
    /// <summary>y[p, oh, ow] = window sum of x[p, ·, ·] / (kH·kW). x is [planes × height × width]; y is [planes × outH × outW] (overwritten).</summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int planes, int height, int width, Window2d window)
    {
        var (outH, outW) = Validate(x.Length, y.Length, planes, height, width, window);
        float inv = 1f / (window.KernelHeight * window.KernelWidth);
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * height * width, height * width);
            for (int oh = 0; oh < outH; oh++)
            {
                var (h0, h1) = Clip(oh, window.StrideHeight, window.PadHeight, window.KernelHeight, height);
                for (int ow = 0; ow < outW; ow++)
                {
                    var (w0, w1) = Clip(ow, window.StrideWidth, window.PadWidth, window.KernelWidth, width);
                    float s = 0;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) s += plane[ih * width + iw];
                    y[(p * outH + oh) * outW + ow] = s * inv;
                }
            }
        }
    }

    /// <summary>dx[p, tap] += dy[p, o] / (kH·kW) for every real tap of every output o's window (accumulates).</summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int planes, int height, int width, Window2d window)
    {
        var (outH, outW) = Validate(dx.Length, dy.Length, planes, height, width, window);
        float inv = 1f / (window.KernelHeight * window.KernelWidth);
        for (int p = 0; p < planes; p++)
        {
            var plane = dx.Slice(p * height * width, height * width);
            for (int oh = 0; oh < outH; oh++)
            {
                var (h0, h1) = Clip(oh, window.StrideHeight, window.PadHeight, window.KernelHeight, height);
                for (int ow = 0; ow < outW; ow++)
                {
                    var (w0, w1) = Clip(ow, window.StrideWidth, window.PadWidth, window.KernelWidth, width);
                    float g = dy[(p * outH + oh) * outW + ow] * inv;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) plane[ih * width + iw] += g;
                }
            }
        }
    }

    private static (int First, int End) Clip(int o, int stride, int pad, int kernel, int size)
    {
        int start = o * stride - pad;
        return (Math.Max(start, 0), Math.Min(start + kernel, size));
    }

    private static (int OutH, int OutW) Validate(int xLength, int yLength, int planes, int height, int width, Window2d window)
    {
        if (planes < 0) throw new ArgumentException($"Planes must be non-negative (got {planes}).", nameof(planes));
        window.Validate(height, width);
        int outH = window.OutputHeight(height), outW = window.OutputWidth(width);
        Simd.RequireLength(checked(planes * height * width), xLength, "x");
        Simd.RequireLength(checked(planes * outH * outW), yLength, "y");
        return (outH, outW);
    }

    /// <summary>Reference loops: every tap with explicit bounds tests.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="AveragePooling.Forward"/>
        public static void Forward(ReadOnlySpan<float> x, Span<float> y, int planes, int height, int width, Window2d w)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width);
            for (int p = 0; p < planes; p++)
                for (int oh = 0; oh < outH; oh++)
                    for (int ow = 0; ow < outW; ow++)
                    {
                        float s = 0;
                        for (int i = 0; i < w.KernelHeight; i++)
                            for (int j = 0; j < w.KernelWidth; j++)
                            {
                                int ih = oh * w.StrideHeight - w.PadHeight + i, iw = ow * w.StrideWidth - w.PadWidth + j;
                                if (ih >= 0 && ih < height && iw >= 0 && iw < width) s += x[(p * height + ih) * width + iw];
                            }
                        y[(p * outH + oh) * outW + ow] = s * (1f / (w.KernelHeight * w.KernelWidth));
                    }
        }

        /// <inheritdoc cref="AveragePooling.Backward"/>
        public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int planes, int height, int width, Window2d w)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width);
            for (int p = 0; p < planes; p++)
                for (int oh = 0; oh < outH; oh++)
                    for (int ow = 0; ow < outW; ow++)
                        for (int i = 0; i < w.KernelHeight; i++)
                            for (int j = 0; j < w.KernelWidth; j++)
                            {
                                int ih = oh * w.StrideHeight - w.PadHeight + i, iw = ow * w.StrideWidth - w.PadWidth + j;
                                if (ih >= 0 && ih < height && iw >= 0 && iw < width)
                                    dx[(p * height + ih) * width + iw] += dy[(p * outH + oh) * outW + ow] * (1f / (w.KernelHeight * w.KernelWidth));
                            }
        }
    }
}
