// Batch im2col/col2im over FeatureMajor [C, B, H, W]: the fast path against the scalar reference (bit-exact) on every
// geometry of the per-image tests (odd sizes, stride 2 and 3, padding, 1×1), batch 1 and 3, and large enough to run
// in parallel; each image's block of columns equals the per-image Im2Col of that image.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class FeatureMajorConvolutionTests
{
    [Fact]
    public void Im2ColAndCol2ImMatchScalar()
    {
        ulong seed = 1;
        foreach (var (h, w, win) in ConvolutionTests.Geometries())
            foreach (var (c, b) in new[] { (1, 1), (2, 3) })
                Compare(c, b, h, w, win, ref seed);
    }

    [Fact]
    public void LargeBatchRunsInParallelAndMatchesScalar()
    {
        ulong seed = 7;
        Compare(5, 17, 15, 13, new Window2d(3, 3, 1, 1, 1, 1), ref seed);
        Compare(4, 33, 16, 16, new Window2d(3, 3, 2, 2, 1, 1), ref seed);
        Compare(6, 40, 9, 9, new Window2d(1, 1, 2, 2), ref seed);
    }

    [Fact]
    public void EachImageBlockIsThePerImageIm2Col()
    {
        const int c = 3, b = 4, h = 7, w = 6;
        var win = new Window2d(3, 3, 2, 2, 1, 1);
        int outSize = win.OutputHeight(h) * win.OutputWidth(w), rows = c * 9;
        var x = Shapes.Random(c * b * h * w, 3);
        var cols = new float[rows * b * outSize];
        FeatureMajorConvolution.Im2Col(x, cols, c, b, h, w, win);
        for (int img = 0; img < b; img++)
        {
            var image = new float[c * h * w];
            for (int ch = 0; ch < c; ch++) x.AsSpan((ch * b + img) * h * w, h * w).CopyTo(image.AsSpan(ch * h * w));
            var single = new float[rows * outSize];
            Convolution.Im2Col(image, single, c, h, w, win);
            for (int r = 0; r < rows; r++)
                Assert.True(single.AsSpan(r * outSize, outSize).SequenceEqual(cols.AsSpan((r * b + img) * outSize, outSize)), $"image {img} row {r}");
        }
    }

    [Fact]
    public void RejectsShortColumns()
    {
        var win = new Window2d(3, 3, 1, 1, 1, 1);
        Assert.Throws<ArgumentException>(() => FeatureMajorConvolution.Im2Col(new float[2 * 2 * 4 * 4], new float[10], 2, 2, 4, 4, win));
    }

    private static void Compare(int c, int b, int h, int w, Window2d win, ref ulong seed)
    {
        var x = Shapes.Random(c * b * h * w, seed++);
        int size = c * win.KernelHeight * win.KernelWidth * b * win.OutputHeight(h) * win.OutputWidth(w);
        var expected = new float[size];
        var actual = Shapes.Random(size, seed++);   // stale values, padding zeros included, must be overwritten
        FeatureMajorConvolution.Scalar.Im2Col(x, expected, c, b, h, w, win);
        FeatureMajorConvolution.Im2Col(x, actual, c, b, h, w, win);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"im2col c={c} b={b} {h}x{w} {win}");

        var cols = Shapes.Random(size, seed++);
        var dxe = Shapes.Random(x.Length, seed++);
        var dxa = (float[])dxe.Clone();
        FeatureMajorConvolution.Scalar.Col2Im(cols, dxe, c, b, h, w, win);
        FeatureMajorConvolution.Col2Im(cols, dxa, c, b, h, w, win);
        Assert.True(dxe.AsSpan().SequenceEqual(dxa), $"col2im c={c} b={b} {h}x{w} {win}");
    }
}
