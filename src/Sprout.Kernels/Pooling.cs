// 2-d max pooling over independent planes (N·C planes of an NCHW tensor), forward with argmax indices and
// the backward that routes each output gradient to the input element that won. The fast path clips each
// window to the plane once per output (no per-tap bounds tests) and walks rows by reference; the scalar
// reference tests every tap. Ties keep the first element in row-major window order; NaN never wins unless
// it is the window's first element. Padding is virtual: padded taps are never candidates.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sprout.Kernels;

/// <summary>Max pooling: y = max over each window, argmax = index (ih·W + iw) of the winner within its plane.</summary>
public static partial class Pooling
{
    /// <summary>
    /// y[p, oh, ow] = max over the window of x[p, ·, ·]; argmax[p, oh, ow] = its index ih·width + iw in plane p.
    /// x is [planes × height × width]; y and argmax are [planes × outH × outW] (overwritten).
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void MaxPool2d(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int planes, int height, int width, Window2d window)
    {
        var (outH, outW) = Validate(x.Length, y.Length, argmax.Length, planes, height, width, window);
        int planeSize = height * width, outSize = outH * outW;
        ref float xr = ref MemoryMarshal.GetReference(x);
        for (int p = 0; p < planes; p++)
        {
            ref float plane = ref Unsafe.Add(ref xr, p * planeSize);
            var yp = y.Slice(p * outSize, outSize);
            var ap = argmax.Slice(p * outSize, outSize);
            for (int oh = 0; oh < outH; oh++)
            {
                int h0 = oh * window.StrideHeight - window.PadHeight;
                int hFirst = Math.Max(h0, 0), hEnd = Math.Min(h0 + window.KernelHeight, height);
                for (int ow = 0; ow < outW; ow++)
                {
                    int w0 = ow * window.StrideWidth - window.PadWidth;
                    int wFirst = Math.Max(w0, 0), wEnd = Math.Min(w0 + window.KernelWidth, width);
                    int best = hFirst * width + wFirst;
                    float max = Unsafe.Add(ref plane, best);
                    for (int ih = hFirst; ih < hEnd; ih++)
                    {
                        int rowStart = ih * width;
                        for (int iw = wFirst; iw < wEnd; iw++)
                        {
                            float v = Unsafe.Add(ref plane, rowStart + iw);
                            if (v > max) { max = v; best = rowStart + iw; }
                        }
                    }
                    yp[oh * outW + ow] = max;
                    ap[oh * outW + ow] = best;
                }
            }
        }
    }

    /// <summary>
    /// dx[p, argmax[p, o]] += dy[p, o] for every output o (accumulates). dy and argmax are [planes × outH × outW],
    /// dx is [planes × height × width]; argmax comes from <see cref="MaxPool2d"/> with the same geometry.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, a span is too short, or an index is outside its plane.</exception>
    public static void MaxPool2dBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int planes, int height, int width, Window2d window)
    {
        var (outH, outW) = Validate(dx.Length, dy.Length, argmax.Length, planes, height, width, window);
        int planeSize = height * width, outSize = outH * outW;
        for (int p = 0; p < planes; p++)
        {
            var dxp = dx.Slice(p * planeSize, planeSize);
            var dyp = dy.Slice(p * outSize, outSize);
            var ap = argmax.Slice(p * outSize, outSize);
            for (int o = 0; o < outSize; o++)
            {
                int at = ap[o];
                if ((uint)at >= (uint)planeSize) throw new ArgumentException($"argmax {at} at plane {p}, output {o} is outside the plane.", nameof(argmax));
                dxp[at] += dyp[o];
            }
        }
    }

    private static (int OutH, int OutW) Validate(int xLength, int yLength, int argLength, int planes, int height, int width, Window2d window)
    {
        if (planes < 0) throw new ArgumentException($"Planes must be non-negative (got {planes}).", nameof(planes));
        window.Validate(height, width);
        int outH = window.OutputHeight(height), outW = window.OutputWidth(width);
        Simd.RequireLength(checked(planes * height * width), xLength, "x");
        int outputs = checked(planes * outH * outW);
        Simd.RequireLength(outputs, yLength, "y");
        Simd.RequireLength(outputs, argLength, "argmax");
        return (outH, outW);
    }

    /// <summary>Reference loops: every tap with explicit bounds tests.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Pooling.MaxPool2d"/>
        public static void MaxPool2d(ReadOnlySpan<float> x, Span<float> y, Span<int> argmax, int planes, int height, int width, Window2d w)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width);
            for (int p = 0; p < planes; p++)
                for (int oh = 0; oh < outH; oh++)
                    for (int ow = 0; ow < outW; ow++)
                    {
                        int best = -1;
                        float max = 0;
                        for (int i = 0; i < w.KernelHeight; i++)
                            for (int j = 0; j < w.KernelWidth; j++)
                            {
                                int ih = oh * w.StrideHeight - w.PadHeight + i, iw = ow * w.StrideWidth - w.PadWidth + j;
                                if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                                float v = x[(p * height + ih) * width + iw];
                                if (best < 0 || v > max) { max = v; best = ih * width + iw; }
                            }
                        y[(p * outH + oh) * outW + ow] = max;
                        argmax[(p * outH + oh) * outW + ow] = best;
                    }
        }

        /// <inheritdoc cref="Pooling.MaxPool2dBackward"/>
        public static void MaxPool2dBackward(ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx, int planes, int height, int width, Window2d w)
        {
            int outSize = w.OutputHeight(height) * w.OutputWidth(width);
            for (int p = 0; p < planes; p++)
                for (int o = 0; o < outSize; o++) dx[p * height * width + argmax[p * outSize + o]] += dy[p * outSize + o];
        }
    }
}
