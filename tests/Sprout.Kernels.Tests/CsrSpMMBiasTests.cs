// Tests of SpMM with the fused bias + ReLU epilogue: the fast kernel against its Scalar reference, and bit for bit
// against the two-pass form it replaces (SpMM, then FeatureBias.Forward), across odd shapes, empty rows and every
// batch tail; plus the argument checks of the bias.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public class CsrSpMMBiasTests
{
    public static IEnumerable<object[]> Cases() => CsrCase.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void SpMMBias_MatchesScalarAndTwoPassBitForBit(int rows, int cols, double density, int batch, ulong seed)
    {
        var m = CsrCase.Random(rows, cols, density, seed);
        float[] x = Shapes.Random(cols * batch, seed + 2), bias = Shapes.Random(rows, seed + 4);
        foreach (bool relu in new[] { false, true })
            foreach (bool withBias in new[] { false, true })
            {
                float[] b = withBias ? bias : [];
                // Start from garbage: the epilogue kernel overwrites.
                float[] fast = Shapes.Random(rows * batch, seed + 3), reference = (float[])fast.Clone(), twoPass = new float[rows * batch];
                Csr.SpMMBias(m.RowPointers, m.ColumnIndices, m.Values, b, x, fast, rows, cols, batch, relu);
                Csr.Scalar.SpMMBias(m.RowPointers, m.ColumnIndices, m.Values, b, x, reference, rows, cols, batch, relu);
                Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, twoPass, rows, cols, batch, accumulate: false);
                FeatureBias.Forward(twoPass, b, rows, batch, relu);
                Approx.Equal(reference, fast, 1e-5f, 1e-4f, "SpMMBias vs Scalar");
                Assert.Equal(twoPass, fast); // same operations in the same order: same bits
            }
    }

    [Fact]
    public void SpMMBias_ReluKeepsNaNAndZeroesNegatives()
    {
        // 2×2 identity, batch 1: y = relu(x + b).
        int[] ptr = [0, 1, 2], idx = [0, 1];
        float[] values = [1f, 1f], x = [float.NaN, -3f], y = new float[2];
        Csr.SpMMBias(ptr, idx, values, [0.5f, 1f], x, y, 2, 2, 1, relu: true);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(0f, y[1]);
    }

    [Fact]
    public void SpMMBias_RejectsShortBias()
    {
        int[] ptr = [0, 1, 2], idx = [0, 1];
        float[] values = [1f, 1f], x = new float[2], y = new float[2];
        var e = Assert.Throws<ArgumentException>(() => Csr.SpMMBias(ptr, idx, values, [1f], x, y, 2, 2, 1, relu: false));
        Assert.Equal("bias", e.ParamName);
        Assert.Throws<ArgumentException>(() => Csr.SpMMBias(ptr, [0, 2], values, [], x, y, 2, 2, 1, relu: false));
    }
}
