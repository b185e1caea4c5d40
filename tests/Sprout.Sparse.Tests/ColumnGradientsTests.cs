// ColumnGradients against plain loops over dL/dW = dY·Xᵀ on odd shapes (a linear batch and a conv-like column
// count), and LayerGeometry's position counts for linear and conv inputs in either layout.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Sparse.Tests;

public class ColumnGradientsTests
{
    private static (float[] Dy, float[] X, float[] Full) Setup(int rows, int cols, int n, ulong seed)
    {
        var rng = new Rng(seed);
        var dy = new float[rows * n];
        var x = new float[cols * n];
        rng.FillUniform(dy, -1f, 1f);
        rng.FillUniform(x, -1f, 1f);
        var full = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += (double)dy[r * n + k] * x[c * n + k];
                full[r * cols + c] = (float)s;
            }
        return (dy, x, full);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 13, 5)]
    [InlineData(16, 27, 98)] // a conv: 3 channels × 3×3 kernel, 2 samples × 7×7 positions
    public void GradientsAt_And_DenseRows_MatchPlainLoops(int rows, int cols, int n)
    {
        var (dy, x, full) = Setup(rows, cols, n, (ulong)(rows * 1000 + cols));
        var rng = new Rng(3);
        int count = Math.Min(rows * cols, 11);
        var pr = new int[count];
        var pc = new int[count];
        for (int i = 0; i < count; i++) (pr[i], pc[i]) = (rng.NextInt(rows), rng.NextInt(cols));
        var at = new float[count];
        ColumnGradients.GradientsAt(pr, pc, dy, x, at, rows, cols, n);
        for (int i = 0; i < count; i++) Assert.Equal(full[pr[i] * cols + pc[i]], at[i], 1e-4f);

        int r0 = rows / 3, r1 = rows;
        var block = new float[(r1 - r0) * cols];
        ColumnGradients.DenseGradientRows(r0, r1, dy, x, block, rows, cols, n);
        for (int i = 0; i < block.Length; i++) Assert.Equal(full[r0 * cols + i], block[i], 1e-4f);
        Assert.Throws<ArgumentOutOfRangeException>(() => ColumnGradients.DenseGradientRows(0, rows + 1, dy, x, new float[(rows + 1) * cols], rows, cols, n));
    }

    [Fact]
    public void BatchStatistics_MatchPlainLoops_WithAndWithoutSigns()
    {
        const int rows = 5, cols = 9, n = 17;
        var (dy, x, _) = Setup(rows, cols, n, 9);
        var signs = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? -1f : 1f).ToArray();
        var a = new float[cols];
        var b = new float[rows];
        ColumnGradients.BatchStatistics(dy, x, n, [], a, b);
        for (int i = 0; i < cols; i++) Assert.Equal(Enumerable.Range(0, n).Sum(k => MathF.Abs(x[i * n + k])), a[i], 1e-4f);
        for (int j = 0; j < rows; j++) Assert.Equal(Enumerable.Range(0, n).Sum(k => MathF.Abs(dy[j * n + k])), b[j], 1e-4f);
        ColumnGradients.BatchStatistics(dy, x, n, signs, a, b);
        for (int i = 0; i < cols; i++) Assert.Equal(Enumerable.Range(0, n).Sum(k => signs[k] * x[i * n + k]), a[i], 1e-4f);
        Assert.Throws<ArgumentException>(() => ColumnGradients.BatchStatistics(dy, x, n, signs.AsSpan(1).ToArray(), a, b));
        Assert.Throws<ArgumentException>(() => ColumnGradients.BatchStatistics(dy, x, n, [], new float[cols - 1], b));
    }

    [Fact]
    public void Geometry_CountsSamplesOrConvPositions()
    {
        var linear = LayerGeometry.Linear(10, 20);
        Assert.Equal(32, linear.Positions([32, 20]));
        Assert.Equal(32, linear.Positions([20, 32])); // feature-major: same count
        Assert.Throws<ArgumentException>(() => linear.Positions([3, 7]));
        var conv = LayerGeometry.Conv2d(new ConvShape(3, 16, 3, 3, Stride: 2, Padding: 1));
        Assert.Equal((16, 27), (conv.Rows, conv.Cols));
        Assert.True(conv.IsConv);
        Assert.Equal(4L * 16 * 16, conv.Positions([3, 4, 32, 32])); // [C, B, H, W], stride 2 → 16×16
        Assert.Equal(4L * 16 * 16, conv.Positions([4, 3, 32, 32])); // [B, C, H, W]
        Assert.Throws<ArgumentException>(() => conv.Positions([12, 32]));
    }
}
