// Tests of the fused SpMM backward (input gradient and value gradient in one pass): fast path vs its Scalar
// reference vs the two separate kernels' dense references, across the shared shapes and every batch tail.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public class CsrBackwardTests
{
    public static IEnumerable<object[]> Cases() => CsrCase.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void SpMMBackward_MatchesScalarAndDense(int rows, int cols, double density, int batch, ulong seed)
    {
        var m = CsrCase.Random(rows, cols, density, seed);
        float[] x = Shapes.Random(cols * batch, seed + 2), dy = Shapes.Random(rows * batch, seed + 3);
        double[] w = m.Dense(), wt = new double[cols * rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) wt[c * rows + r] = w[r * cols + c];
        foreach (var (accDx, accDw) in new[] { (false, false), (true, true), (false, true), (true, false) })
        {
            float[] dxStart = Shapes.Random(cols * batch, seed + 4), dwStart = Shapes.Random(m.Nnz, seed + 5);
            float[] dx = (float[])dxStart.Clone(), dw = (float[])dwStart.Clone();
            float[] dxRef = (float[])dxStart.Clone(), dwRef = (float[])dwStart.Clone();
            Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx, dw, rows, cols, batch, accDx, accDw);
            Csr.Scalar.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dxRef, dwRef, rows, cols, batch, accDx, accDw);
            Approx.Equal(dxRef, dx, 1e-5f, 1e-4f, "dX vs Scalar");
            Approx.Equal(dwRef, dw, 1e-5f, 1e-4f, "dW vs Scalar");
            Approx.Equal(CsrSpMMTests.DenseProduct(wt, cols, rows, dy, batch, accDx ? dxStart : null), dx, 1e-5f, 1e-4f, "dX vs dense");
            float[] dwDense = new float[m.Nnz];
            for (int r = 0; r < rows; r++)
                for (int p = m.RowPointers[r]; p < m.RowPointers[r + 1]; p++)
                {
                    double g = accDw ? dwStart[p] : 0;
                    for (int b = 0; b < batch; b++) g += (double)dy[r * batch + b] * x[m.ColumnIndices[p] * batch + b];
                    dwDense[p] = (float)g;
                }
            Approx.Equal(dwDense, dw, 1e-5f, 1e-4f, "dW vs dense");
        }
    }

    [Fact]
    public void SpMMBackward_EveryBatchLength0To257_EqualsTheSeparateKernels()
    {
        var m = CsrCase.Random(9, 11, 0.5, 33);
        for (int batch = 0; batch <= 257; batch++)
        {
            float[] x = Shapes.Random(m.Cols * batch, (ulong)batch), dy = Shapes.Random(m.Rows * batch, (ulong)batch + 500);
            float[] dx = new float[m.Cols * batch], dw = Shapes.Random(m.Nnz, 1);
            float[] dxSep = new float[m.Cols * batch], dwSep = new float[m.Nnz];
            Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx, dw, m.Rows, m.Cols, batch, false, false);
            Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dxSep, m.Rows, m.Cols, batch, false);
            Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, dwSep, m.Rows, m.Cols, batch, false);
            Approx.Equal(dxSep, dx, 1e-5f, 1e-4f, $"dX, batch {batch}");
            Approx.Equal(dwSep, dw, 1e-5f, 1e-4f, $"dW, batch {batch}");
        }
    }

    [Fact]
    public void SpMMBackward_ColumnsOfEveryLength0To11_MatchScalar()
    {
        // Column c holds rows 0..c−1, so the four-nonzero steps meet every remainder and the prefetch crosses columns.
        const int rows = 12, cols = 12;
        var rowPointers = new int[rows + 1];
        var columnIndices = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            for (int c = r + 1; c < cols; c++) columnIndices.Add(c);
            rowPointers[r + 1] = columnIndices.Count;
        }
        int nnz = columnIndices.Count;
        int[] columnPointers = new int[cols + 1], rowIndices = new int[nnz], permutation = new int[nnz];
        Csr.BuildTransposedIndex(rowPointers, columnIndices.ToArray(), rows, cols, columnPointers, rowIndices, permutation);
        float[] values = Shapes.Random(nnz, 7);
        foreach (int batch in new[] { 16, 17, 64, 128, 131, 256 })
        {
            float[] x = Shapes.Random(cols * batch, (ulong)batch), dy = Shapes.Random(rows * batch, (ulong)batch + 1);
            float[] dx = new float[cols * batch], dw = new float[nnz], dxRef = new float[cols * batch], dwRef = new float[nnz];
            Csr.SpMMBackward(columnPointers, rowIndices, permutation, values, x, dy, dx, dw, rows, cols, batch, false, false);
            Csr.Scalar.SpMMBackward(columnPointers, rowIndices, permutation, values, x, dy, dxRef, dwRef, rows, cols, batch, false, false);
            Approx.Equal(dxRef, dx, 1e-5f, 1e-4f, $"dX, batch {batch}");
            Approx.Equal(dwRef, dw, 1e-5f, 1e-4f, $"dW, batch {batch}");
        }
    }

    [Fact]
    public void LargeParallel_IsBitForBitRepeatableAndAllocatesNothing()
    {
        var m = CsrCase.Random(300, 200, 0.1, 44, forceEmpty: false);
        const int batch = 70;
        float[] x = Shapes.Random(m.Cols * batch, 45), dy = Shapes.Random(m.Rows * batch, 46);
        float[] dx1 = new float[m.Cols * batch], dx2 = new float[m.Cols * batch], dw1 = new float[m.Nnz], dw2 = new float[m.Nnz];
        Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx1, dw1, m.Rows, m.Cols, batch, false, false);
        Assert.Equal(0, Allocations.OnceSettled(() =>
            Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx2, dw2, m.Rows, m.Cols, batch, false, false), calls: 1));
        Assert.Equal(dx1, dx2);
        Assert.Equal(dw1, dw2);
    }

    [Fact]
    public void ShortOperands_AreRejected()
    {
        var m = CsrCase.Random(4, 5, 0.5, 2, forceEmpty: false);
        float[] x = new float[5 * 3], dy = new float[4 * 3], dx = new float[5 * 3];
        var ex = Assert.Throws<ArgumentException>(() =>
            Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx, new float[m.Nnz - 1], 4, 5, 3, true, true));
        Assert.Contains("dValues holds", ex.Message);
        ex = Assert.Throws<ArgumentException>(() =>
            Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, new float[14], dy, dx, new float[m.Nnz], 4, 5, 3, true, true));
        Assert.Contains("x holds 14", ex.Message);
    }
}
