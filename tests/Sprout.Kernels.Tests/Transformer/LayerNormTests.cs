// LayerNorm against the scalar reference (odd widths around the chunk size, a large mean), hand values,
// and a size large enough to be split over threads.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

public sealed class LayerNormTests
{
    public static TheoryData<int, int, float> Cases() => new()
    {
        { 0, 4, 0f }, { 1, 1, 0f }, { 3, 5, 0f }, { 7, 33, 10f }, { 2, 255, 0f }, { 2, 257, -3f }, { 5, 513, 0f }, { 600, 192, 1f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchScalar(int rows, int cols, float offset)
    {
        var x = Shapes.Random(rows * cols, 1, offset - 2f, offset + 2f);
        float[] gamma = Shapes.Random(cols, 2, 0.5f, 1.5f), beta = Shapes.Random(cols, 3);
        float[] yE = new float[x.Length], yA = new float[x.Length];
        float[] meanE = new float[rows], meanA = new float[rows], rstdE = new float[rows], rstdA = new float[rows];
        LayerNorm.Scalar.Forward(x, gamma, beta, yE, meanE, rstdE, rows, cols);
        LayerNorm.Forward(x, gamma, beta, yA, meanA, rstdA, rows, cols);
        Approx.Equal(yE, yA, 2e-5f, 1e-4f, "y");
        Approx.Equal(meanE, meanA, 1e-5f, 1e-5f, "mean");
        Approx.Equal(rstdE, rstdA, 1e-5f, 1e-4f, "rstd");

        var dy = Shapes.Random(x.Length, 4);
        float[] dxE = Shapes.Random(x.Length, 5), dxA = (float[])dxE.Clone();
        float[] dgE = Shapes.Random(cols, 6), dgA = (float[])dgE.Clone(), dbE = Shapes.Random(cols, 7), dbA = (float[])dbE.Clone();
        LayerNorm.Scalar.Backward(dy, x, gamma, meanE, rstdE, dxE, dgE, dbE, rows, cols);
        LayerNorm.Backward(dy, x, gamma, meanA, rstdA, dxA, dgA, dbA, rows, cols);
        Approx.Equal(dxE, dxA, 1e-4f, 1e-3f, "dx");
        Approx.Equal(dgE, dgA, 1e-4f, 1e-4f, "dGamma");
        Approx.Equal(dbE, dbA, 1e-4f, 1e-4f, "dBeta");
    }

    [Fact]
    public void EmptyGradientSpansAreSkipped()
    {
        const int rows = 3, cols = 300;
        var x = Shapes.Random(rows * cols, 1);
        float[] gamma = Shapes.Random(cols, 2), beta = Shapes.Random(cols, 3), y = new float[x.Length], mean = new float[rows], rstd = new float[rows];
        LayerNorm.Forward(x, gamma, beta, y, mean, rstd, rows, cols);
        var dy = Shapes.Random(x.Length, 4);
        float[] dxAll = new float[x.Length], dgAll = new float[cols], dbAll = new float[cols], dxOnly = new float[x.Length], dg = new float[cols], db = new float[cols];
        LayerNorm.Backward(dy, x, gamma, mean, rstd, dxAll, dgAll, dbAll, rows, cols);
        LayerNorm.Backward(dy, x, gamma, mean, rstd, dxOnly, default, default, rows, cols);
        LayerNorm.Backward(dy, x, gamma, mean, rstd, default, dg, db, rows, cols);
        Assert.Equal(dxAll, dxOnly);
        Assert.Equal(dgAll, dg);
        Assert.Equal(dbAll, db);
        float[] dgScalar = new float[cols], dbScalar = new float[cols];
        LayerNorm.Scalar.Backward(dy, x, gamma, mean, rstd, default, dgScalar, dbScalar, rows, cols);
        Approx.Equal(dgScalar, dg, 1e-4f, 1e-4f, "dGamma, scalar, no dx");
    }

    [Fact]
    public void HandValues()
    {
        // Row [1, 2, 3]: mean 2, variance 2/3; with γ = [1, 2, 1], β = [0, 0, 1].
        var y = new float[3];
        float[] mean = new float[1], rstd = new float[1];
        LayerNorm.Forward([1f, 2f, 3f], [1f, 2f, 1f], [0f, 0f, 1f], y, mean, rstd, 1, 3, 1e-5f);
        float r = 1f / MathF.Sqrt(2f / 3f + 1e-5f);
        Approx.Equal([-r, 0f, r + 1f], y, 1e-5f, 1e-5f, "y");
        Assert.Equal(2f, mean[0], 6);
    }

    [Fact]
    public void RejectsBadEpsilonAndShortSpans()
    {
        Assert.Throws<ArgumentException>(() => LayerNorm.Forward(new float[6], new float[3], new float[3], new float[6], new float[2], new float[2], 2, 3, 0f));
        Assert.Throws<ArgumentException>(() => LayerNorm.Forward(new float[6], new float[2], new float[3], new float[6], new float[2], new float[2], 2, 3));
        Assert.Throws<ArgumentException>(() => LayerNorm.Backward(new float[6], new float[6], new float[3], new float[2], new float[1], new float[6], new float[3], new float[3], 2, 3));
    }
}
