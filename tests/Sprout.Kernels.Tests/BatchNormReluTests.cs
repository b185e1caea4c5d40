// BatchNormRelu (BatchNorm → (+ residual) → ReLU in one pass) against its scalar reference, which is BatchNorm's
// double-precision reference followed by the add and ReLU: forward in training and inference, backward with batch
// and fixed statistics, with and without a residual or affine parameters, accumulating and overwriting, on odd
// channel counts and counts (1, odd, vector-ragged, more than one statistics chunk, parallel-sized). Also: a
// channel far from zero (the chunked statistics keep their precision), and no allocation once warm.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class BatchNormReluTests
{
    public static TheoryData<int, int, bool, bool> Cases() => new()
    {
        // channels, count, affine, residual
        { 1, 2, true, false }, { 3, 7, true, true }, { 5, 33, false, true }, { 2, 100, true, false },
        { 17, 4099, true, true }, { 4, 20000, false, false }, { 3, 9001, true, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesScalar(int channels, int count, bool affine, bool residual)
    {
        var x = Shapes.Random(channels * count, 1, -2f, 3f);
        var r = residual ? Shapes.Random(x.Length, 2) : [];
        var (gamma, beta) = Affine(channels, affine);
        var (ye, ya) = (new float[x.Length], Shapes.Random(x.Length, 4));
        var (me, ve, ma, va) = (new float[channels], new float[channels], new float[channels], new float[channels]);
        BatchNormRelu.Scalar.ForwardTraining(x, r, ye, gamma, beta, me, ve, channels, count, 1e-5f);
        BatchNormRelu.ForwardTraining(x, r, ya, gamma, beta, ma, va, channels, count, 1e-5f);
        Approx.Equal(me, ma, 1e-5f, 1e-4f, "mean");
        Approx.Equal(ve, va, 1e-5f, 1e-4f, "variance");
        Approx.Equal(ye, ya, 1e-4f, 1e-3f, "y (training)");
        Assert.Contains(ya, v => v == 0f);   // the ReLU did cut
        Assert.Contains(ya, v => v > 0f);

        BatchNormRelu.Scalar.ForwardInference(x, r, ye, gamma, beta, me, ve, channels, count, 1e-3f);
        BatchNormRelu.ForwardInference(x, r, ya, gamma, beta, me, ve, channels, count, 1e-3f);
        Approx.Equal(ye, ya, 1e-5f, 1e-4f, "y (inference)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesScalar(int channels, int count, bool affine, bool residual)
    {
        var x = Shapes.Random(channels * count, 5, -2f, 3f);
        var r = residual ? Shapes.Random(x.Length, 10) : [];
        var dy = Shapes.Random(x.Length, 6);
        var (gamma, beta) = Affine(channels, affine);
        var (mean, variance, y) = (new float[channels], new float[channels], new float[x.Length]);
        BatchNormRelu.ForwardTraining(x, r, y, gamma, beta, mean, variance, channels, count, 1e-5f);
        foreach (bool batchStats in new[] { true, false })
            foreach (bool overwrite in new[] { false, true })
            {
                var dxe = Shapes.Random(x.Length, 7);
                var dxa = (float[])dxe.Clone();
                var dre = residual ? Shapes.Random(x.Length, 11) : [];
                var dra = (float[])dre.Clone();
                var (dge, dbe) = (Shapes.Random(channels, 8), Shapes.Random(channels, 9));
                var (dga, dba) = ((float[])dge.Clone(), (float[])dbe.Clone());
                BatchNormRelu.Scalar.Backward(x, y, dy, gamma, mean, variance, dxe, dre, dge, dbe, channels, count, 1e-5f, batchStats, overwrite, overwrite);
                BatchNormRelu.Backward(x, y, dy, gamma, mean, variance, dxa, dra, dga, dba, channels, count, 1e-5f, batchStats, overwrite, overwrite);
                float tol = 1e-4f * MathF.Sqrt(count);   // float sums over `count` terms against double ones
                string what = $"batchStats={batchStats} overwrite={overwrite}";
                Approx.Equal(dxe, dxa, 1e-4f, 1e-3f, "dx " + what);
                Approx.Equal(dre, dra, 0f, 0f, "dResidual " + what);
                Approx.Equal(dge, dga, tol, 1e-3f, "dgamma " + what);
                Approx.Equal(dbe, dba, tol, 1e-3f, "dbeta " + what);
            }
    }

    [Fact]
    public void FusedEqualsBatchNormThenRelu()
    {
        // The unfused kernels' result, so a block may switch between the two paths.
        const int channels = 6, count = 5000;
        var x = Shapes.Random(channels * count, 12, -1f, 2f);
        var (gamma, beta) = Affine(channels, true);
        var (yb, yf) = (new float[x.Length], new float[x.Length]);
        var (m, v) = (new float[channels], new float[channels]);
        BatchNorm.ForwardTraining(x, yb, gamma, beta, m, v, channels, count, 1e-5f);
        Activations.Relu(yb, yb);
        BatchNormRelu.ForwardTraining(x, [], yf, gamma, beta, new float[channels], new float[channels], channels, count, 1e-5f);
        Approx.Equal(yb, yf, 1e-5f, 1e-4f, "y");
    }

    [Fact]
    public void BackwardEqualsReluThenBatchNormBackward()
    {
        // The one-pass backward (mask, residual gradient and both sums together) against the unfused kernels' chain:
        // the same function up to float summation order.
        const int channels = 5, count = 9001;
        var x = Shapes.Random(channels * count, 14, -1f, 2f);
        var r = Shapes.Random(x.Length, 15);
        var dy = Shapes.Random(x.Length, 16);
        var (gamma, beta) = Affine(channels, true);
        var (y, m, v) = (new float[x.Length], new float[channels], new float[channels]);
        BatchNormRelu.ForwardTraining(x, r, y, gamma, beta, m, v, channels, count, 1e-5f);
        var (dxu, dru, dgu, dbu) = (new float[x.Length], new float[x.Length], new float[channels], new float[channels]);
        Activations.ReluBackward(y, dy, dru);
        BatchNorm.Backward(x, dru, gamma, m, v, dxu, dgu, dbu, channels, count, 1e-5f);
        var (dxf, drf, dgf, dbf) = (new float[x.Length], new float[x.Length], new float[channels], new float[channels]);
        BatchNormRelu.Backward(x, y, dy, gamma, m, v, dxf, drf, dgf, dbf, channels, count, 1e-5f, overwriteDx: true, overwriteResidual: true);
        Approx.Equal(dru, drf, 0f, 0f, "dResidual");
        Approx.Equal(dxu, dxf, 1e-5f, 1e-4f, "dx");
        Approx.Equal(dgu, dgf, 1e-3f, 1e-4f, "dgamma");
        Approx.Equal(dbu, dbf, 1e-3f, 1e-4f, "dbeta");
    }

    [Fact]
    public void StatisticsStayPreciseFarFromZero()
    {
        // Values 1000 ± 0.5 over several chunks: a one-pass Σx² − (Σx)²/n in float would lose the variance entirely.
        const int count = 3 * 4096 + 17;
        var x = Shapes.Random(count, 13, 999.5f, 1000.5f);
        var (me, ve, ma, va) = (new float[1], new float[1], new float[1], new float[1]);
        BatchNorm.Scalar.ForwardTraining(x, new float[count], [], [], me, ve, 1, count, 1e-5f);
        BatchNormRelu.ForwardTraining(x, [], new float[count], [], [], ma, va, 1, count, 1e-5f);
        Approx.Equal(me, ma, 1e-6f, 1e-6f, "mean");
        Approx.Equal(ve, va, 1e-6f, 1e-3f, "variance");
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        const int channels = 16, count = 8192;
        var (x, r, dy) = (Shapes.Random(channels * count, 1), Shapes.Random(channels * count, 2), Shapes.Random(channels * count, 3));
        var (y, dx, dr) = (new float[x.Length], new float[x.Length], new float[x.Length]);
        var (m, v, dg, db) = (new float[channels], new float[channels], new float[channels], new float[channels]);
        long bytes = Allocations.OnceSettled(() =>
        {
            BatchNormRelu.ForwardTraining(x, r, y, [], [], m, v, channels, count, 1e-5f);
            BatchNormRelu.Backward(x, y, dy, [], m, v, dx, dr, dg, db, channels, count, 1e-5f);
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void RejectsAShortResidual() =>
        Assert.Throws<ArgumentException>(() => BatchNormRelu.ForwardTraining(new float[8], new float[7], new float[8], [], [], new float[2], new float[2], 2, 4, 1e-5f));

    private static (float[] Gamma, float[] Beta) Affine(int channels, bool affine) =>
        affine ? (Shapes.Random(channels, 2, 0.5f, 1.5f), Shapes.Random(channels, 3)) : ([], []);
}
