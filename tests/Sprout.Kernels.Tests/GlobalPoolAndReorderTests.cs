// Global average pooling ([C, B, H·W] → [B, C]) and the leading-axes reorder against their scalar references,
// including batch 1, a 1×1 plane, and reorders large enough to run in parallel; a reorder twice is the identity.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class GlobalPoolAndReorderTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 1, 49)]
    [InlineData(5, 7, 64)]
    [InlineData(16, 9, 1)]
    public void GlobalAveragePoolMatchesScalar(int channels, int batch, int plane)
    {
        var x = Shapes.Random(channels * batch * plane, 1);
        var (ye, ya) = (new float[channels * batch], Shapes.Random(channels * batch, 2));
        GlobalAveragePool.Scalar.Forward(x, ye, channels, batch, plane);
        GlobalAveragePool.Forward(x, ya, channels, batch, plane);
        Approx.Equal(ye, ya, 1e-6f, 1e-5f);

        var dy = Shapes.Random(channels * batch, 3);
        var dxe = Shapes.Random(x.Length, 4);
        var dxa = (float[])dxe.Clone();
        GlobalAveragePool.Scalar.Backward(dy, dxe, channels, batch, plane);
        GlobalAveragePool.Backward(dy, dxa, channels, batch, plane);
        Approx.Equal(dxe, dxa, 1e-6f, 1e-5f);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 1)]
    [InlineData(13, 9, 1)]
    [InlineData(2, 3, 7)]
    [InlineData(128, 16, 64)]
    [InlineData(16, 129, 63)]
    public void ReorderMatchesScalarAndInvertsItself(int d0, int d1, int inner)
    {
        var src = Shapes.Random(d0 * d1 * inner, 5);
        var (expected, actual, back) = (new float[src.Length], Shapes.Random(src.Length, 6), new float[src.Length]);
        Reorder.Scalar.SwapLeadingAxes(src, expected, d0, d1, inner);
        Reorder.SwapLeadingAxes(src, actual, d0, d1, inner);
        Assert.Equal(expected, actual);
        Reorder.SwapLeadingAxes(actual, back, d1, d0, inner);
        Assert.Equal(src, back);
    }
}
