// Max and average pooling: forward values (and argmax) and the backward scatter against the scalar references (bit-exact).
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class PoolingTests
{
    [Fact]
    public void ForwardAndBackwardMatchScalar()
    {
        ulong seed = 1;
        foreach (var (h, w, win) in ConvolutionTests.Geometries())
            foreach (bool coarse in new[] { false, true })
            {
                const int planes = 3;
                int outs = planes * win.OutputHeight(h) * win.OutputWidth(w);
                var x = Shapes.Random(planes * h * w, seed++);
                if (coarse) x = x.Select(v => MathF.Round(v * 2)).ToArray();   // ties
                var (ye, ae) = (new float[outs], new int[outs]);
                var (ya, aa) = (Shapes.Random(outs, seed++), new int[outs]);
                Pooling.Scalar.MaxPool2d(x, ye, ae, planes, h, w, win);
                Pooling.MaxPool2d(x, ya, aa, planes, h, w, win);
                Assert.Equal(ye, ya);
                Assert.Equal(ae, aa);

                var dy = Shapes.Random(outs, seed++);
                var dxe = Shapes.Random(planes * h * w, seed++);
                var dxa = (float[])dxe.Clone();
                Pooling.Scalar.MaxPool2dBackward(dy, ae, dxe, planes, h, w, win);
                Pooling.MaxPool2dBackward(dy, aa, dxa, planes, h, w, win);
                Assert.Equal(dxe, dxa);
            }
    }

    [Fact]
    public void AverageForwardAndBackwardMatchScalar()
    {
        ulong seed = 1;
        foreach (var (h, w, win) in ConvolutionTests.Geometries())
        {
            const int planes = 3;
            int outs = planes * win.OutputHeight(h) * win.OutputWidth(w);
            var x = Shapes.Random(planes * h * w, seed++);
            var (ye, ya) = (new float[outs], Shapes.Random(outs, seed++));
            AveragePooling.Scalar.Forward(x, ye, planes, h, w, win);
            AveragePooling.Forward(x, ya, planes, h, w, win);
            Assert.Equal(ye, ya);
            var dy = Shapes.Random(outs, seed++);
            var dxe = Shapes.Random(planes * h * w, seed++);
            var dxa = (float[])dxe.Clone();
            AveragePooling.Scalar.Backward(dy, dxe, planes, h, w, win);
            AveragePooling.Backward(dy, dxa, planes, h, w, win);
            Assert.Equal(dxe, dxa);
        }
    }

    [Fact]
    public void AverageCountsPaddingAsZeros()
    {
        float[] x = [4, 8, 12, 16];   // one 2×2 plane; a 2×2 window, stride 2, padding 1 sees one real tap per corner
        var y = new float[4];
        AveragePooling.Forward(x, y, 1, 2, 2, new Window2d(2, 2, 2, 2, 1, 1));
        Assert.Equal([1f, 2f, 3f, 4f], y);
    }

    [Fact]
    public void TwoByTwoHandExample()
    {
        float[] x = [1, 5, 2, 0,
                     3, 4, 8, 8,
                     0, 0, 1, 1,
                     -1, 0, 1, 2];
        var y = new float[4];
        var arg = new int[4];
        Pooling.MaxPool2d(x, y, arg, 1, 4, 4, new Window2d(2, 2, 2, 2));
        Assert.Equal(new float[] { 5, 8, 0, 2 }, y);
        Assert.Equal(new[] { 1, 6, 8, 15 }, arg);
        var dx = new float[16];
        Pooling.MaxPool2dBackward([1, 2, 3, 4], arg, dx, 1, 4, 4, new Window2d(2, 2, 2, 2));
        Assert.Equal(1f, dx[1]);
        Assert.Equal(2f, dx[6]);
        Assert.Equal(3f, dx[8]);
        Assert.Equal(4f, dx[15]);
        Assert.Equal(10f, dx.Sum());
    }

    [Fact]
    public void BackwardRejectsIndexOutsidePlane() =>
        Assert.Throws<ArgumentException>(() => Pooling.MaxPool2dBackward([1f], [4], new float[4], 1, 2, 2, new Window2d(2, 2, 2, 2)));
}
