// ConvGemm: dense 2-d convolution on FeatureMajor [C, B, H, W] by im2col + GEMM, one group of images at a time.
// Lowering the whole batch at once writes columns [C·kH·kW × B·OH·OW] to memory (75 MB for a ResNet-20 first-stage
// layer at batch 128) and streams them back for the forward GEMM, the weight gradient and col2im: measured at 2–6% of
// the FMA peak, bound by memory, not arithmetic. Here each parallel part lowers a few images into a per-thread scratch
// sized for L2, multiplies, and writes its slice of the output; the backward recomputes the part's columns instead of
// keeping them (so a deep net keeps no column buffers between forward and backward), forms a partial weight gradient
// per part, and col2im's its own images' input gradient (planes of different images never overlap). Partial weight
// gradients are added in part order afterwards, so the result does not depend on the thread count.
// Since then, horizontal strides 1 and 2 (every ResNet/WRN conv) go through ConvPanels instead, which builds the GEMM's
// panels straight from a padded copy of the input (forward, weight gradient, and at stride 1 the input gradient as a
// convolution of dy with the flipped weight, at stride 2 by dCols panels); the columns path here remains for other
// strides and the stem's dx.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>Convolution forward, input gradient and weight gradient over FeatureMajor activations.</summary>
public static unsafe class ConvGemm
{
    /// <summary>False routes stride 1 through the columns path too (benchmarks compare the two in one process).</summary>
    internal static bool PanelsEnabled = true;

    // Columns floats per part: 96 K (384 KB) keeps a part's columns and their packed copy in a 1 MB L2.
    private const int ColumnsBudget = 96 * 1024;

    /// <summary>
    /// y[Cout, B, OH, OW] = W[Cout × C·kH·kW] · im2col(x) (overwritten). x is [channels, batch, height, width].
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int outChannels,
        int channels, int batch, int height, int width, Window2d window)
    {
        var g = Geometry.Create(x.Length, weight.Length, y.Length, outChannels, channels, batch, height, width, window);
        fixed (float* px = x, pw = weight, py = y)
        {
            if (PanelsEnabled && ConvPanels.Supports(window))
            {
                float* packed = PackWeight(pw, outChannels, g.FanIn);
                ConvPanels.Run(px, packed, py, outChannels, channels, batch, height, width, window, accumulate: false);
            }
            else Parallelism.For(g.Parts, new Job(g, px, pw, py, null, null));
        }
    }

    /// <summary>
    /// From dy [Cout, B, OH, OW]: dW += dy · im2col(x)ᵀ when <paramref name="dWeight"/> is not empty, and
    /// dx += col2im(Wᵀ · dy) when <paramref name="dx"/> is not empty. Accumulates into both, except that with
    /// <paramref name="overwriteDx"/> dx is written, not added to (a gradient nothing has written yet: this saves
    /// clearing it and reading the zeros back).
    /// </summary>
    /// <exception cref="ArgumentException">Invalid window or sizes, or a span is too short.</exception>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy, Span<float> dx,
        Span<float> dWeight, int outChannels, int channels, int batch, int height, int width, Window2d window, bool overwriteDx = false)
    {
        var g = Geometry.Create(x.Length, weight.Length, dy.Length, outChannels, channels, batch, height, width, window);
        if (!dx.IsEmpty) Simd.RequireLength(channels * batch * height * width, dx.Length, nameof(dx));
        if (!dWeight.IsEmpty) Simd.RequireLength(outChannels * g.FanIn, dWeight.Length, nameof(dWeight));
        if ((dx.IsEmpty && dWeight.IsEmpty) || g.Parts == 0) return;
        fixed (float* px = x, pw = weight, pdy = dy, pdx = dx, pdw = dWeight)
        {
            // ConvPanels (horizontal stride 1 or 2): dW by panels of taps × positions; dx at stride 1 as the stride-1
            // convolution of dy with the flipped, transposed weight, at stride 2 by dCols panels spread back at once
            // (no column buffer, no col2im). Other strides: im2col a few images at a time.
            if (!PanelsEnabled || !ConvPanels.Supports(window))
            {
                if (overwriteDx) dx.Clear();
                BackwardByColumns(g, px, pw, pdy, pdx, pdw);
                return;
            }
            if (pdw is not null) ConvPanels.WeightGradient(px, pdy, pdw, outChannels, channels, batch, height, width, window);
            if (pdx is null) return;
            if (ConvPanels.SupportsInputGradient(window) && channels >= Gemm.PanelRows)
            {
                int kh = window.KernelHeight, kw = window.KernelWidth, oh = window.OutputHeight(height), ow = window.OutputWidth(width);
                var flippedWindow = new Window2d(kh, kw, 1, 1, kh - 1 - window.PadHeight, kw - 1 - window.PadWidth);
                float* packed = PackWeight(FlipWeight(pw, outChannels, channels, kh, kw), channels, outChannels * kh * kw);
                ConvPanels.Run(pdy, packed, pdx, channels, outChannels, batch, oh, ow, flippedWindow, accumulate: !overwriteDx);
            }
            else if (ConvPanels.SupportsSpreadInputGradient(window))
            {
                // Stride 2: dCols per 32 positions against the packed Wᵀ, spread back at once (no column buffer).
                float* packedT = PackWeight(TransposeWeight(pw, outChannels, g.FanIn), g.FanIn, outChannels);
                ConvPanels.InputGradient(pdy, packedT, pdx, outChannels, channels, batch, height, width, window, !overwriteDx);
            }
            else
            {
                if (overwriteDx) dx.Clear();
                BackwardByColumns(g, px, pw, pdy, pdx, null);
            }   // the stem: 3 channels would fill 3/8 of each micro-tile
        }
    }

    /// <summary>Backward through per-part columns: partial weight gradients added in part order, col2im per part.</summary>
    private static void BackwardByColumns(Geometry g, float* x, float* w, float* dy, float* dx, float* dWeight)
    {
        int wSize = g.OutChannels * g.FanIn;
        float* partials = dWeight is null ? null : Scratch.Partials((long)g.Parts * wSize);
        Parallelism.For(g.Parts, new Job(g, x, w, dy, dx, partials));
        if (partials is null) return;
        var sum = new Span<float>(dWeight, wSize);
        for (int p = 0; p < g.Parts; p++) TensorPrimitives.Add(sum, new ReadOnlySpan<float>(partials + (long)p * wSize, wSize), sum);
    }

    /// <summary>W [m × k] packed into the micro-kernel's A panels, in the calling thread's scratch.</summary>
    private static float* PackWeight(float* w, int m, int k)
    {
        int mr = Gemm.PanelRows;
        float* packed = Scratch.Packed((long)(m + mr - 1) / mr * mr * k);
        Gemm.PackRowPanels(w, m, k, packed);
        return packed;
    }

    /// <summary>W'[c, (o·kH + i)·kW + j] = W[o, (c·kH + kH−1−i)·kW + kW−1−j]: the weight of dx as a convolution of dy.</summary>
    private static float* FlipWeight(float* w, int outChannels, int channels, int kh, int kw)
    {
        int kk = kh * kw;
        float* flipped = Scratch.Flipped((long)outChannels * channels * kk);
        for (int c = 0; c < channels; c++)
            for (int o = 0; o < outChannels; o++)
            {
                float* src = w + ((long)o * channels + c) * kk, dst = flipped + ((long)c * outChannels + o) * kk;
                for (int t = 0; t < kk; t++) dst[t] = src[kk - 1 - t];
            }
        return flipped;
    }

    /// <summary>Wᵀ [fanIn × Cout] in the calling thread's scratch.</summary>
    private static float* TransposeWeight(float* w, int outChannels, int fanIn)
    {
        float* t = Scratch.Flipped((long)outChannels * fanIn);
        for (int o = 0; o < outChannels; o++)
            for (int f = 0; f < fanIn; f++) t[(long)f * outChannels + o] = w[(long)o * fanIn + f];
        return t;
    }

    /// <summary>Images per part for this geometry (at least 1): as many as fit <see cref="ColumnsBudget"/>.</summary>
    internal static int ImagesPerPart(int fanIn, int positions, int batch) =>
        Math.Clamp(ColumnsBudget / Math.Max(1, fanIn * positions), 1, Math.Max(batch, 1));

    private readonly record struct Geometry(int OutChannels, int Channels, int Batch, int Height, int Width, Window2d Window,
        int FanIn, int Positions, int PerPart, int Parts)
    {
        public static Geometry Create(int xLength, int wLength, int yLength, int outChannels, int channels, int batch, int height, int width, Window2d window)
        {
            if (outChannels < 1 || channels < 1 || batch < 0)
                throw new ArgumentException($"A convolution needs channels ≥ 1 and batch ≥ 0 (got {channels} → {outChannels}, batch {batch}).");
            window.Validate(height, width);
            int positions = window.OutputHeight(height) * window.OutputWidth(width);
            int fanIn = channels * window.KernelHeight * window.KernelWidth;
            Simd.RequireLength(checked(channels * batch * height * width), xLength, "x");
            Simd.RequireLength(checked(outChannels * fanIn), wLength, "weight");
            Simd.RequireLength(checked(outChannels * batch * positions), yLength, "y");
            int perPart = ImagesPerPart(fanIn, positions, batch);
            return new(outChannels, channels, batch, height, width, window, fanIn, positions, perPart, (batch + perPart - 1) / Math.Max(perPart, 1));
        }
    }

    // Forward when partials and dx are null and dy is y; backward otherwise (y holds dy).
    private readonly struct Job(Geometry g, float* x, float* w, float* y, float* dx, float* partials) : IParallelJob
    {
        public void Execute(int part)
        {
            int b0 = part * g.PerPart, nb = Math.Min(g.PerPart, g.Batch - b0), n = nb * g.Positions, total = g.Batch * g.Positions;
            float* cols = Scratch.Columns((long)g.FanIn * n);
            float* rows = Scratch.Rows((long)g.OutChannels * n);
            bool forward = partials is null && dx is null;
            if (forward || partials is not null)
                FeatureMajorConvolution.Im2ColImages(x, cols, g.Channels, g.Batch, g.Height, g.Width, g.Window, b0, nb);
            if (forward)
            {
                Gemm.Multiply(new ReadOnlySpan<float>(w, g.OutChannels * g.FanIn), new ReadOnlySpan<float>(cols, g.FanIn * n),
                    new Span<float>(rows, g.OutChannels * n), g.OutChannels, n, g.FanIn);
                for (int o = 0; o < g.OutChannels; o++)
                    Unsafe.CopyBlock(y + (long)o * total + (long)b0 * g.Positions, rows + (long)o * n, (uint)(n * sizeof(float)));
                return;
            }
            for (int o = 0; o < g.OutChannels; o++)
                Unsafe.CopyBlock(rows + (long)o * n, y + (long)o * total + (long)b0 * g.Positions, (uint)(n * sizeof(float)));
            var dyPart = new ReadOnlySpan<float>(rows, g.OutChannels * n);
            if (partials is not null)
                Gemm.Multiply(dyPart, new ReadOnlySpan<float>(cols, g.FanIn * n),
                    new Span<float>(partials + (long)part * g.OutChannels * g.FanIn, g.OutChannels * g.FanIn), g.OutChannels, g.FanIn, n, transB: true);
            if (dx is null) return;
            Gemm.Multiply(new ReadOnlySpan<float>(w, g.OutChannels * g.FanIn), dyPart, new Span<float>(cols, g.FanIn * n), g.FanIn, n, g.OutChannels, transA: true);
            FeatureMajorConvolution.Col2ImImages(cols, dx, g.Channels, g.Batch, g.Height, g.Width, g.Window, b0, nb);
        }
    }

    /// <summary>Per-thread scratch, grown on demand and then reused (pinned, so raw pointers stay valid).</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]? _columns, _rows, _partials, _packed, _flipped;

        public static float* Packed(long floats) => PinnedScratch.Floats(ref _packed, floats);

        public static float* Flipped(long floats) => PinnedScratch.Floats(ref _flipped, floats);

        public static float* Columns(long floats) => PinnedScratch.Floats(ref _columns, floats);

        public static float* Rows(long floats) => PinnedScratch.Floats(ref _rows, floats);

        public static float* Partials(long floats) => PinnedScratch.Floats(ref _partials, floats);
    }

    /// <summary>Reference: whole-batch im2col and plain GEMM loops.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="ConvGemm.Forward"/>
        public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int outChannels,
            int channels, int batch, int height, int width, Window2d window)
        {
            int fanIn = channels * window.KernelHeight * window.KernelWidth, n = batch * window.OutputHeight(height) * window.OutputWidth(width);
            var cols = new float[fanIn * n];
            FeatureMajorConvolution.Scalar.Im2Col(x, cols, channels, batch, height, width, window);
            Gemm.Scalar.Multiply(weight, cols, y, outChannels, n, fanIn);
        }

        /// <inheritdoc cref="ConvGemm.Backward"/>
        public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy, Span<float> dx,
            Span<float> dWeight, int outChannels, int channels, int batch, int height, int width, Window2d window)
        {
            int fanIn = channels * window.KernelHeight * window.KernelWidth, n = batch * window.OutputHeight(height) * window.OutputWidth(width);
            var cols = new float[fanIn * n];
            FeatureMajorConvolution.Scalar.Im2Col(x, cols, channels, batch, height, width, window);
            if (!dWeight.IsEmpty) Gemm.Scalar.Multiply(dy, cols, dWeight, outChannels, fanIn, n, transB: true, accumulate: true);
            if (dx.IsEmpty) return;
            Gemm.Scalar.Multiply(weight, dy, cols, fanIn, n, outChannels, transA: true);
            FeatureMajorConvolution.Scalar.Col2Im(cols, dx, channels, batch, height, width, window);
        }
    }
}
