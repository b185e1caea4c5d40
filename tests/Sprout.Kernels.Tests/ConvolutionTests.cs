// Im2Col / Col2Im: fast paths against the scalar reference (bit-exact) over kernel/stride/padding geometries,
// the adjoint identity ⟨Im2Col(x), c⟩ = ⟨x, Col2Im(c)⟩, and a GEMM-lowered convolution against a direct one.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class ConvolutionTests
{
    internal static IEnumerable<(int H, int W, Window2d Window)> Geometries()
    {
        foreach (int h in new[] { 1, 2, 5, 8 })
            foreach (int w in new[] { 1, 3, 7 })
                foreach (int k in new[] { 1, 2, 3, 5 })
                    foreach (int s in new[] { 1, 2, 3 })
                        foreach (int p in new[] { 0, 1, 2 })
                        {
                            // Also a non-square window with different strides and padding per axis.
                            foreach (var win in new[] { new Window2d(k, k, s, s, p, p), new Window2d(k, Math.Max(1, k - 1), s, 1, p, Math.Max(0, p - 1)) })
                            {
                                if (win.PadHeight >= win.KernelHeight || win.PadWidth >= win.KernelWidth) continue;
                                if (h + 2 * win.PadHeight < win.KernelHeight || w + 2 * win.PadWidth < win.KernelWidth) continue;
                                yield return (h, w, win);
                            }
                        }
    }

    [Fact]
    public void Im2ColMatchesScalar()
    {
        ulong seed = 1;
        foreach (var (h, w, win) in Geometries())
            foreach (int channels in new[] { 1, 3 })
            {
                var image = Shapes.Random(channels * h * w, seed++);
                int size = channels * win.KernelHeight * win.KernelWidth * win.OutputHeight(h) * win.OutputWidth(w);
                var expected = new float[size];
                var actual = Shapes.Random(size, seed++);   // stale values must be overwritten (incl. padding zeros)
                Convolution.Scalar.Im2Col(image, expected, channels, h, w, win);
                Convolution.Im2Col(image, actual, channels, h, w, win);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{h}x{w} {win} c={channels}");
            }
    }

    [Fact]
    public void Col2ImAccumulatesLikeScalar()
    {
        ulong seed = 1;
        foreach (var (h, w, win) in Geometries())
        {
            const int channels = 2;
            int size = channels * win.KernelHeight * win.KernelWidth * win.OutputHeight(h) * win.OutputWidth(w);
            var cols = Shapes.Random(size, seed++);
            var expected = Shapes.Random(channels * h * w, seed++);
            var actual = (float[])expected.Clone();
            Convolution.Scalar.Col2Im(cols, expected, channels, h, w, win);
            Convolution.Col2Im(cols, actual, channels, h, w, win);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{h}x{w} {win}");
        }
    }

    [Fact]
    public void Col2ImIsTheAdjointOfIm2Col()
    {
        var win = new Window2d(3, 3, 2, 2, 1, 1);
        const int c = 3, h = 9, w = 7;
        int size = c * 9 * win.OutputHeight(h) * win.OutputWidth(w);
        var x = Shapes.Random(c * h * w, 1);
        var y = Shapes.Random(size, 2);
        var ax = new float[size];
        var aty = new float[c * h * w];
        Convolution.Im2Col(x, ax, c, h, w, win);
        Convolution.Col2Im(y, aty, c, h, w, win);
        double lhs = ax.Zip(y, (p, q) => (double)p * q).Sum(), rhs = x.Zip(aty, (p, q) => (double)p * q).Sum();
        Approx.Equal(lhs, rhs, 1e-4, 1e-5);
    }

    [Fact]
    public void GemmOverIm2ColEqualsDirectConvolution()
    {
        var win = new Window2d(3, 2, 1, 2, 1, 1);
        const int c = 2, h = 6, w = 5, outC = 4;
        int oh = win.OutputHeight(h), ow = win.OutputWidth(w), patch = c * 3 * 2;
        var x = Shapes.Random(c * h * w, 3);
        var weights = Shapes.Random(outC * patch, 4);
        var cols = new float[patch * oh * ow];
        var y = new float[outC * oh * ow];
        Convolution.Im2Col(x, cols, c, h, w, win);
        Gemm.Multiply(weights, cols, y, outC, oh * ow, patch);
        for (int o = 0; o < outC; o++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double s = 0;
                    for (int ci = 0; ci < c; ci++)
                        for (int a = 0; a < 3; a++)
                            for (int b = 0; b < 2; b++)
                            {
                                int ih = i - 1 + a, iw = j * 2 - 1 + b;
                                if (ih >= 0 && ih < h && iw >= 0 && iw < w)
                                    s += weights[((o * c + ci) * 3 + a) * 2 + b] * x[(ci * h + ih) * w + iw];
                            }
                    Approx.Equal(s, y[(o * oh + i) * ow + j], 1e-5, 1e-5, $"o={o} i={i} j={j}");
                }
    }

    [Fact]
    public void RejectsBadGeometry()
    {
        Assert.Throws<ArgumentException>(() => Convolution.Im2Col(new float[9], new float[100], 1, 3, 3, new Window2d(0, 1)));
        Assert.Throws<ArgumentException>(() => Convolution.Im2Col(new float[9], new float[100], 1, 3, 3, new Window2d(2, 2, 0, 1)));
        Assert.Throws<ArgumentException>(() => Convolution.Im2Col(new float[9], new float[100], 1, 3, 3, new Window2d(2, 2, 1, 1, 2, 0)));
        Assert.Throws<ArgumentException>(() => Convolution.Im2Col(new float[9], new float[100], 1, 3, 3, new Window2d(5, 5)));
        Assert.Throws<ArgumentException>(() => Convolution.Im2Col(new float[9], new float[3], 1, 3, 3, new Window2d(2, 2)));
    }
}
