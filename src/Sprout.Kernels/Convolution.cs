// Convolution lowering for NCHW images: Im2Col unrolls every kernel window of one image into a column so a
// convolution becomes one GEMM, weights[outC × C·kH·kW] · columns[C·kH·kW × outH·outW] = out[outC × outH·outW];
// Col2Im is its adjoint and accumulates. The fast path works on whole output rows: it computes which outputs
// of a row see real pixels, zero-fills the rest, and copies (stride 1) or gathers the middle. One image per
// call: the caller loops over the batch. No dilation or groups.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>Im2col / col2im for 2-d convolution (one NCHW image at a time).</summary>
public static partial class Convolution
{
    /// <summary>
    /// columns[(c·kH + i)·kW + j, oh·outW + ow] = image[c, oh·sH − pH + i, ow·sW − pW + j], or 0 in the padding.
    /// image is [channels × height × width]; columns is [channels·kH·kW × outH·outW] (overwritten).
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Im2Col(ReadOnlySpan<float> image, Span<float> columns, int channels, int height, int width, Window2d window)
    {
        var (outH, outW) = Validate(image.Length, columns.Length, channels, height, width, window, "columns");
        int kH = window.KernelHeight, kW = window.KernelWidth, sH = window.StrideHeight, sW = window.StrideWidth;
        int outSize = outH * outW;
        for (int c = 0; c < channels; c++)
        {
            var plane = image.Slice(c * height * width, height * width);
            for (int i = 0; i < kH; i++)
            {
                var (ohFirst, ohEnd) = window.ValidRange(i, window.PadHeight, sH, height, outH);
                for (int j = 0; j < kW; j++)
                {
                    var col = columns.Slice(((c * kH + i) * kW + j) * outSize, outSize);
                    var (owFirst, owEnd) = window.ValidRange(j, window.PadWidth, sW, width, outW);
                    col[..(ohFirst * outW)].Clear();
                    col[(ohEnd * outW)..].Clear();
                    for (int oh = ohFirst; oh < ohEnd; oh++)
                    {
                        var dst = col.Slice(oh * outW, outW);
                        var src = plane.Slice((oh * sH - window.PadHeight + i) * width);
                        dst[..owFirst].Clear();
                        dst[owEnd..].Clear();
                        if (owFirst == owEnd) continue;
                        int iw = owFirst * sW - window.PadWidth + j;
                        if (sW == 1) src.Slice(iw, owEnd - owFirst).CopyTo(dst[owFirst..owEnd]);
                        else for (int ow = owFirst; ow < owEnd; ow++, iw += sW) dst[ow] = src[iw];
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: image[c, ih, iw] += Σ columns entries that Im2Col read from (c, ih, iw).
    /// Accumulates into image [channels × height × width]; columns is [channels·kH·kW × outH·outW].
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Col2Im(ReadOnlySpan<float> columns, Span<float> image, int channels, int height, int width, Window2d window)
    {
        var (outH, outW) = Validate(image.Length, columns.Length, channels, height, width, window, "columns");
        int kH = window.KernelHeight, kW = window.KernelWidth, sH = window.StrideHeight, sW = window.StrideWidth;
        int outSize = outH * outW;
        for (int c = 0; c < channels; c++)
        {
            var plane = image.Slice(c * height * width, height * width);
            for (int i = 0; i < kH; i++)
            {
                var (ohFirst, ohEnd) = window.ValidRange(i, window.PadHeight, sH, height, outH);
                for (int j = 0; j < kW; j++)
                {
                    var col = columns.Slice(((c * kH + i) * kW + j) * outSize, outSize);
                    var (owFirst, owEnd) = window.ValidRange(j, window.PadWidth, sW, width, outW);
                    for (int oh = ohFirst; oh < ohEnd; oh++)
                    {
                        var src = col.Slice(oh * outW, outW);
                        var dst = plane.Slice((oh * sH - window.PadHeight + i) * width);
                        if (owFirst == owEnd) continue;
                        int iw = owFirst * sW - window.PadWidth + j;
                        if (sW == 1)
                        {
                            var d = dst.Slice(iw, owEnd - owFirst);
                            TensorPrimitives.Add(d, src[owFirst..owEnd], d);
                        }
                        else for (int ow = owFirst; ow < owEnd; ow++, iw += sW) dst[iw] += src[ow];
                    }
                }
            }
        }
    }

    private static (int OutH, int OutW) Validate(int imageLength, int columnsLength, int channels, int height, int width, Window2d window, string columnsName)
    {
        if (channels < 0) throw new ArgumentException($"Channels must be non-negative (got {channels}).", nameof(channels));
        window.Validate(height, width);
        int outH = window.OutputHeight(height), outW = window.OutputWidth(width);
        Simd.RequireLength(checked(channels * height * width), imageLength, "image");
        Simd.RequireLength(checked(channels * window.KernelHeight * window.KernelWidth * outH * outW), columnsLength, columnsName);
        return (outH, outW);
    }

    /// <summary>Reference loops: one element at a time with explicit bounds tests.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Convolution.Im2Col"/>
        public static void Im2Col(ReadOnlySpan<float> image, Span<float> columns, int channels, int height, int width, Window2d w)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width);
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < w.KernelHeight; i++)
                    for (int j = 0; j < w.KernelWidth; j++)
                        for (int oh = 0; oh < outH; oh++)
                            for (int ow = 0; ow < outW; ow++)
                            {
                                int ih = oh * w.StrideHeight - w.PadHeight + i, iw = ow * w.StrideWidth - w.PadWidth + j;
                                bool inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
                                columns[((c * w.KernelHeight + i) * w.KernelWidth + j) * outH * outW + oh * outW + ow] =
                                    inside ? image[(c * height + ih) * width + iw] : 0f;
                            }
        }

        /// <inheritdoc cref="Convolution.Col2Im"/>
        public static void Col2Im(ReadOnlySpan<float> columns, Span<float> image, int channels, int height, int width, Window2d w)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width);
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < w.KernelHeight; i++)
                    for (int j = 0; j < w.KernelWidth; j++)
                        for (int oh = 0; oh < outH; oh++)
                            for (int ow = 0; ow < outW; ow++)
                            {
                                int ih = oh * w.StrideHeight - w.PadHeight + i, iw = ow * w.StrideWidth - w.PadWidth + j;
                                if (ih >= 0 && ih < height && iw >= 0 && iw < width)
                                    image[(c * height + ih) * width + iw] += columns[((c * w.KernelHeight + i) * w.KernelWidth + j) * outH * outW + oh * outW + ow];
                            }
        }
    }
}
