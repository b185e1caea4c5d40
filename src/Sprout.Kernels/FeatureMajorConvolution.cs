// Convolution lowering for a whole FeatureMajor batch [C, B, H, W]: Im2Col writes columns
// [C·kH·kW × B·outH·outW], so one GEMM weights[outC × C·kH·kW] · columns gives [outC × B·outH·outW], which is the
// output already in FeatureMajor [outC, B, outH, outW] (no per-image loop, no reorder). Col2Im is the adjoint and
// accumulates. Rows (Im2Col) or channels (Col2Im) are shared among the kernel threads; each writes disjoint output.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>Im2col / col2im over a FeatureMajor batch [channels, batch, height, width].</summary>
public static unsafe class FeatureMajorConvolution
{
    // Below this many column elements (64 K floats) a dispatch costs more than it saves.
    private const long ParallelElements = 1 << 16;

    /// <summary>
    /// columns[(c·kH + i)·kW + j, (b·outH + oh)·outW + ow] = x[c, b, oh·sH − pH + i, ow·sW − pW + j], or 0 in the padding.
    /// x is [channels, batch, height, width]; columns is [channels·kH·kW × batch·outH·outW] (overwritten).
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Im2Col(ReadOnlySpan<float> x, Span<float> columns, int channels, int batch, int height, int width, Window2d window)
    {
        long size = Validate(x.Length, columns.Length, channels, batch, height, width, window);
        int rows = channels * window.KernelHeight * window.KernelWidth;
        fixed (float* px = x, pc = columns)
        {
            var job = new Im2ColJob(px, pc, batch, height, width, window, 0, batch);
            if (size < ParallelElements) for (int r = 0; r < rows; r++) job.Execute(r);
            else Parallelism.For(rows, job);
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Im2Col"/>: x[c, b, ih, iw] += Σ of the columns entries Im2Col read from there.
    /// Accumulates into x [channels, batch, height, width]; columns is [channels·kH·kW × batch·outH·outW].
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Col2Im(ReadOnlySpan<float> columns, Span<float> x, int channels, int batch, int height, int width, Window2d window)
    {
        long size = Validate(x.Length, columns.Length, channels, batch, height, width, window);
        fixed (float* px = x, pc = columns)
        {
            var job = new Col2ImJob(px, pc, batch, height, width, window, 0, batch);
            if (size < ParallelElements) for (int c = 0; c < channels; c++) job.Execute(c);
            else Parallelism.For(channels, job);
        }
    }

    /// <summary>
    /// Im2Col of images [first, first + count) only, serially: columns [channels·kH·kW × count·outH·outW] (overwritten).
    /// For ConvGemm, which lowers a few images at a time into a cache-sized scratch. Sizes are not checked.
    /// </summary>
    internal static void Im2ColImages(float* x, float* columns, int channels, int batch, int height, int width, Window2d window, int first, int count)
    {
        var job = new Im2ColJob(x, columns, batch, height, width, window, first, count);
        for (int r = 0, rows = channels * window.KernelHeight * window.KernelWidth; r < rows; r++) job.Execute(r);
    }

    /// <summary>Col2Im of columns for images [first, first + count) into those images' planes of x (accumulates), serially.</summary>
    internal static void Col2ImImages(float* columns, float* x, int channels, int batch, int height, int width, Window2d window, int first, int count)
    {
        var job = new Col2ImJob(x, columns, batch, height, width, window, first, count);
        for (int c = 0; c < channels; c++) job.Execute(c);
    }

    /// <summary>One row (c, i, j) of the columns: for every image b in range, the tap (i, j) of every output position.</summary>
    private readonly struct Im2ColJob(float* x, float* columns, int batch, int height, int width, Window2d w, int first, int count) : IParallelJob
    {
        public void Execute(int row)
        {
            int kk = w.KernelHeight * w.KernelWidth, c = row / kk, i = row % kk / w.KernelWidth, j = row % w.KernelWidth;
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width), outSize = outH * outW, plane = height * width;
            var (ohFirst, ohEnd) = w.ValidRange(i, w.PadHeight, w.StrideHeight, height, outH);
            var (owFirst, owEnd) = w.ValidRange(j, w.PadWidth, w.StrideWidth, width, outW);
            int sW = w.StrideWidth, len = owEnd - owFirst, iw0 = owFirst * sW - w.PadWidth + j;
            for (int b = 0; b < count; b++)
            {
                float* src = x + ((long)c * batch + first + b) * plane;
                float* col = columns + ((long)row * count + b) * outSize;
                new Span<float>(col, ohFirst * outW).Clear();
                new Span<float>(col + ohEnd * outW, (outH - ohEnd) * outW).Clear();
                for (int oh = ohFirst; oh < ohEnd; oh++)
                {
                    float* dst = col + oh * outW, line = src + (oh * w.StrideHeight - w.PadHeight + i) * width + iw0;
                    for (int ow = 0; ow < owFirst; ow++) dst[ow] = 0f;
                    for (int ow = owEnd; ow < outW; ow++) dst[ow] = 0f;
                    if (sW == 1) Copy(dst + owFirst, line, len);
                    else for (int k = 0; k < len; k++) dst[owFirst + k] = line[k * sW];
                }
            }
        }
    }

    /// <summary>Every row of channel c added back into that channel's planes of the images in range (only this index writes them).</summary>
    private readonly struct Col2ImJob(float* x, float* columns, int batch, int height, int width, Window2d w, int first, int count) : IParallelJob
    {
        public void Execute(int c)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width), outSize = outH * outW, plane = height * width;
            int sW = w.StrideWidth;
            for (int i = 0; i < w.KernelHeight; i++)
            {
                var (ohFirst, ohEnd) = w.ValidRange(i, w.PadHeight, w.StrideHeight, height, outH);
                for (int j = 0; j < w.KernelWidth; j++)
                {
                    var (owFirst, owEnd) = w.ValidRange(j, w.PadWidth, sW, width, outW);
                    int len = owEnd - owFirst, iw0 = owFirst * sW - w.PadWidth + j;
                    if (len == 0) continue;
                    int row = (c * w.KernelHeight + i) * w.KernelWidth + j;
                    for (int b = 0; b < count; b++)
                    {
                        float* dstPlane = x + ((long)c * batch + first + b) * plane;
                        float* col = columns + ((long)row * count + b) * outSize;
                        for (int oh = ohFirst; oh < ohEnd; oh++)
                        {
                            float* src = col + oh * outW + owFirst, line = dstPlane + (oh * w.StrideHeight - w.PadHeight + i) * width + iw0;
                            if (sW == 1) Add(line, src, len);
                            else for (int k = 0; k < len; k++) line[k * sW] += src[k];
                        }
                    }
                }
            }
        }
    }

    // Short runs (one output row, often 8–32 floats): inline vector loops. A span call per row (CopyTo,
    // TensorPrimitives.Add) cost more than the copy itself at these lengths.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* dst, float* src, int n)
    {
        int k = 0;
        for (; k + 8 <= n; k += 8) Vector256.Store(Vector256.Load(src + k), dst + k);
        for (; k < n; k++) dst[k] = src[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* dst, float* src, int n)
    {
        int k = 0;
        for (; k + 8 <= n; k += 8) Vector256.Store(Vector256.Load(dst + k) + Vector256.Load(src + k), dst + k);
        for (; k < n; k++) dst[k] += src[k];
    }

    private static long Validate(int xLength, int columnsLength, int channels, int batch, int height, int width, Window2d window)
    {
        if (channels < 0 || batch < 0) throw new ArgumentException($"Channels and batch must be non-negative (got {channels}, {batch}).");
        window.Validate(height, width);
        long outSize = (long)window.OutputHeight(height) * window.OutputWidth(width);
        Simd.RequireLength(checked(channels * batch * height * width), xLength, "x");
        long size = (long)channels * window.KernelHeight * window.KernelWidth * batch * outSize;
        Simd.RequireLength(checked((int)size), columnsLength, "columns");
        return size;
    }

    /// <summary>Reference loops: one element at a time with explicit bounds tests.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="FeatureMajorConvolution.Im2Col"/>
        public static void Im2Col(ReadOnlySpan<float> x, Span<float> columns, int channels, int batch, int height, int width, Window2d w)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width);
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < w.KernelHeight; i++)
                    for (int j = 0; j < w.KernelWidth; j++)
                        for (int b = 0; b < batch; b++)
                            for (int oh = 0; oh < outH; oh++)
                                for (int ow = 0; ow < outW; ow++)
                                {
                                    int ih = oh * w.StrideHeight - w.PadHeight + i, iw = ow * w.StrideWidth - w.PadWidth + j;
                                    bool inside = ih >= 0 && ih < height && iw >= 0 && iw < width;
                                    int row = (c * w.KernelHeight + i) * w.KernelWidth + j;
                                    columns[(row * batch + b) * outH * outW + oh * outW + ow] =
                                        inside ? x[((c * batch + b) * height + ih) * width + iw] : 0f;
                                }
        }

        /// <inheritdoc cref="FeatureMajorConvolution.Col2Im"/>
        public static void Col2Im(ReadOnlySpan<float> columns, Span<float> x, int channels, int batch, int height, int width, Window2d w)
        {
            int outH = w.OutputHeight(height), outW = w.OutputWidth(width);
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < w.KernelHeight; i++)
                    for (int j = 0; j < w.KernelWidth; j++)
                        for (int b = 0; b < batch; b++)
                            for (int oh = 0; oh < outH; oh++)
                                for (int ow = 0; ow < outW; ow++)
                                {
                                    int ih = oh * w.StrideHeight - w.PadHeight + i, iw = ow * w.StrideWidth - w.PadWidth + j;
                                    if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                                    int row = (c * w.KernelHeight + i) * w.KernelWidth + j;
                                    x[((c * batch + b) * height + ih) * width + iw] += columns[(row * batch + b) * outH * outW + oh * outW + ow];
                                }
        }
    }
}
