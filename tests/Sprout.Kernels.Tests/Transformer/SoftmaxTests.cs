// Row softmax against the scalar reference on odd shapes and scales, hand values, in-place use, and a
// matrix large enough to be split over threads.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

public sealed class SoftmaxTests
{
    public static TheoryData<int, int, float> Cases() => new()
    {
        { 0, 5, 1f }, { 3, 0, 1f }, { 1, 1, 1f }, { 1, 5, 1f }, { 4, 7, 0.17677670f }, { 5, 257, 2.5f }, { 3, 300, 1f }, { 640, 65, 0.125f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchScalar(int rows, int cols, float scale)
    {
        var x = Shapes.Random(rows * cols, 1, -4f, 4f);
        float[] expected = new float[x.Length], actual = new float[x.Length];
        Softmax.Scalar.Rows(x, expected, rows, cols, scale);
        Softmax.Rows(x, actual, rows, cols, scale);
        Approx.Equal(expected, actual, 1e-6f, 1e-5f, "forward");

        var dy = Shapes.Random(x.Length, 2);
        float[] dxExpected = Shapes.Random(x.Length, 3), dxActual = (float[])dxExpected.Clone();
        Softmax.Scalar.RowsBackward(expected, dy, dxExpected, rows, cols, scale);
        Softmax.RowsBackward(expected, dy, dxActual, rows, cols, scale);
        Approx.Equal(dxExpected, dxActual, 1e-6f, 1e-5f, "backward");
    }

    [Fact]
    public void HandValuesRowsSumToOneAndLargeInputsDoNotOverflow()
    {
        var y = new float[6];
        Softmax.Rows([0f, MathF.Log(3f), MathF.Log(4f), 1000f, 1001f, 999f], y, 2, 3);
        Approx.Equal([0.125f, 0.375f, 0.5f], y.AsSpan(0, 3), 1e-6f, 1e-5f, "row 0");   // e^z = 1, 3, 4
        Assert.Equal(1f, y[3] + y[4] + y[5], 5);
        Assert.True(y[4] > y[3] && y[3] > y[5]);
    }

    [Fact]
    public void InPlaceEqualsOutOfPlace()
    {
        var x = Shapes.Random(5 * 33, 4);
        var y = new float[x.Length];
        Softmax.Rows(x, y, 5, 33, 0.5f);
        Softmax.Rows(x, x, 5, 33, 0.5f);
        Assert.Equal(y, x);
    }

    [Fact]
    public void RejectsBadScaleAndShortSpans()
    {
        Assert.Throws<ArgumentException>(() => Softmax.Rows(new float[6], new float[6], 2, 3, 0f));
        Assert.Throws<ArgumentException>(() => Softmax.Rows(new float[6], new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => Softmax.RowsBackward(new float[6], new float[5], new float[6], 2, 3));
    }
}
