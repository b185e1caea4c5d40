// BatchNorm kernels against the double-precision scalar reference: training and inference forward, both backwards,
// with and without affine parameters, on odd channel counts and counts (1, odd, vector-ragged, parallel-sized).
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class BatchNormTests
{
    public static TheoryData<int, int, bool> Shapes_() => new()
    {
        { 1, 1, true }, { 3, 7, true }, { 5, 33, false }, { 2, 100, true }, { 17, 4099, true }, { 4, 20000, false },
    };

    [Theory]
    [MemberData(nameof(Shapes_))]
    public void ForwardMatchesScalar(int channels, int count, bool affine)
    {
        var x = Shapes.Random(channels * count, 1, -2f, 3f);
        var (gamma, beta) = Affine(channels, affine);
        var (ye, ya) = (new float[x.Length], Shapes.Random(x.Length, 4));
        var (me, ve, ma, va) = (new float[channels], new float[channels], new float[channels], new float[channels]);
        BatchNorm.Scalar.ForwardTraining(x, ye, gamma, beta, me, ve, channels, count, 1e-5f);
        BatchNorm.ForwardTraining(x, ya, gamma, beta, ma, va, channels, count, 1e-5f);
        Approx.Equal(me, ma, 1e-5f, 1e-4f, "mean");
        Approx.Equal(ve, va, 1e-5f, 1e-4f, "variance");
        Approx.Equal(ye, ya, 1e-4f, 1e-3f, "y (training)");

        BatchNorm.Scalar.ForwardInference(x, ye, gamma, beta, me, ve, channels, count, 1e-3f);
        BatchNorm.ForwardInference(x, ya, gamma, beta, me, ve, channels, count, 1e-3f);
        Approx.Equal(ye, ya, 1e-5f, 1e-4f, "y (inference)");
    }

    [Theory]
    [MemberData(nameof(Shapes_))]
    public void BackwardMatchesScalar(int channels, int count, bool affine)
    {
        var x = Shapes.Random(channels * count, 5, -2f, 3f);
        var dy = Shapes.Random(x.Length, 6);
        var (gamma, _) = Affine(channels, affine);
        var (mean, variance) = (new float[channels], new float[channels]);
        BatchNorm.ForwardTraining(x, new float[x.Length], gamma, [], mean, variance, channels, count, 1e-5f);
        foreach (bool batchStats in new[] { true, false })
        {
            var dxe = Shapes.Random(x.Length, 7);
            var dxa = (float[])dxe.Clone();
            var (dge, dbe) = (Shapes.Random(channels, 8), Shapes.Random(channels, 9));
            var (dga, dba) = ((float[])dge.Clone(), (float[])dbe.Clone());
            BatchNorm.Scalar.Backward(x, dy, gamma, mean, variance, dxe, dge, dbe, channels, count, 1e-5f, batchStats);
            BatchNorm.Backward(x, dy, gamma, mean, variance, dxa, dga, dba, channels, count, 1e-5f, batchStats);
            float tol = 1e-4f * MathF.Sqrt(count);   // float sums over `count` terms against double ones
            Approx.Equal(dxe, dxa, 1e-4f, 1e-3f, $"dx batchStats={batchStats}");
            Approx.Equal(dge, dga, tol, 1e-3f, "dgamma");
            Approx.Equal(dbe, dba, tol, 1e-3f, "dbeta");
        }
    }

    [Fact]
    public void NormalizedChannelsHaveZeroMeanAndUnitVariance()
    {
        const int channels = 3, count = 1000;
        var x = Shapes.Random(channels * count, 2, 5f, 9f);
        var y = new float[x.Length];
        BatchNorm.ForwardTraining(x, y, [], [], new float[channels], new float[channels], channels, count, 1e-5f);
        for (int c = 0; c < channels; c++)
        {
            var yc = y.AsSpan(c * count, count).ToArray();
            double mean = yc.Average(), variance = yc.Select(v => (v - mean) * (v - mean)).Average();
            Approx.Equal(0, mean, 1e-5);
            Approx.Equal(1, variance, 1e-3);
        }
    }

    [Fact]
    public void RejectsNonPositiveEpsilon() =>
        Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(new float[4], new float[4], [], [], new float[1], new float[1], 1, 4, 0f));

    private static (float[] Gamma, float[] Beta) Affine(int channels, bool affine) =>
        affine ? (Shapes.Random(channels, 2, 0.5f, 1.5f), Shapes.Random(channels, 3)) : ([], []);
}
