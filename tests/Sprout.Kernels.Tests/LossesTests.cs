// Softmax cross-entropy: fast path against the scalar reference, plus hand-computed label-smoothing cases.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class LossesTests
{
    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void MatchesScalar(float smoothing)
    {
        foreach (int rows in new[] { 1, 3, 100 })
            foreach (int classes in new[] { 1, 2, 3, 10, 16, 17, 100, 257 })
            {
                var logits = Shapes.Random(rows * classes, (ulong)(rows * 31 + classes), -8f, 8f);
                var labels = Enumerable.Range(0, rows).Select(r => (r * 7 + 3) % classes).ToArray();
                var expected = new float[rows * classes];
                var actual = Shapes.Random(rows * classes, 5);
                float lossExpected = Losses.Scalar.SoftmaxCrossEntropy(logits, labels, expected, rows, classes, smoothing);
                float lossActual = Losses.SoftmaxCrossEntropy(logits, labels, actual, rows, classes, smoothing);
                Approx.Equal(lossExpected, lossActual, 1e-5, 1e-5, $"loss rows={rows} classes={classes}");
                Approx.Equal(expected, actual, 1e-7f, 1e-4f, $"dLogits rows={rows} classes={classes}");
            }
    }

    [Fact]
    public void HandComputedWithoutSmoothing()
    {
        // Two equal logits: p = ½ each, loss = ln 2, dLogits = p − onehot.
        var d = new float[2];
        float loss = Losses.SoftmaxCrossEntropy([0f, 0f], [0], d, 1, 2);
        Approx.Equal(Math.Log(2), loss, 1e-6);
        Approx.Equal([-0.5f, 0.5f], d, 1e-7f, 0f);
    }

    [Fact]
    public void HandComputedWithLabelSmoothing()
    {
        // ε = 0.2, C = 3 → t = 0.8 on the label, 0.1 elsewhere. Values from exact softmax in double precision:
        // row 0: z = [1, 2, 3], label 2 → p = [0.0900306, 0.2447285, 0.6652410], loss 0.7076060
        // row 1: z = [0.5, −1.5, 0], label 0 → p = [0.5740970, 0.0776956, 0.3482074], loss 0.8049569
        float[] logits = [1f, 2f, 3f, 0.5f, -1.5f, 0f];
        var d = new float[6];
        float loss = Losses.SoftmaxCrossEntropy(logits, [2, 0], d, 2, 3, smoothing: 0.2f);
        Approx.Equal((0.7076059644 + 0.8049569196) / 2, loss, 1e-6);
        float[] expected = [-0.0099694268f / 2, 0.1447284711f / 2, -0.1347590442f / 2, -0.2259030070f / 2, -0.0223044209f / 2, 0.2482074279f / 2];
        Approx.Equal(expected, d, 1e-7f, 1e-5f);
        // Scalar reference agrees with the same numbers.
        var ds = new float[6];
        Approx.Equal(loss, Losses.Scalar.SoftmaxCrossEntropy(logits, [2, 0], ds, 2, 3, 0.2f), 1e-6);
        Approx.Equal(expected, ds, 1e-7f, 1e-5f);
    }

    [Fact]
    public void GradientRowsSumToZero()
    {
        var logits = Shapes.Random(5 * 10, 3, -4f, 4f);
        var d = new float[50];
        Losses.SoftmaxCrossEntropy(logits, [0, 1, 2, 3, 9], d, 5, 10, smoothing: 0.1f);
        for (int r = 0; r < 5; r++) Approx.Equal(0, d.AsSpan(r * 10, 10).ToArray().Sum(), 1e-6);
    }

    [Fact]
    public void LargeLogitsStayFinite()
    {
        var d = new float[3];
        float loss = Losses.SoftmaxCrossEntropy([1000f, -1000f, 0f], [1], d, 1, 3);
        Approx.Equal(2000, loss, 1e-2);
        Assert.All(d, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void EmptyBatchAndBadLabels()
    {
        Assert.Equal(0f, Losses.SoftmaxCrossEntropy([], [], [], 0, 10));
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[4], [2], new float[4], 1, 2));
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[4], [-1], new float[4], 1, 2));
        Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[4], [0, 0], new float[3], 2, 2));
    }
}
