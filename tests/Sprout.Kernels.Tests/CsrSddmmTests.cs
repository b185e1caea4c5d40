// Tests of SDDMM at the active positions and at arbitrary positions: fast path vs Scalar vs the dense gradient
// dY·Xᵀ (double precision) sampled at the same positions, across the shared shapes and batch tails.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public class CsrSddmmTests
{
    public static IEnumerable<object[]> Cases() => CsrCase.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sddmm_MatchesScalarAndDenseGradient(int rows, int cols, double density, int batch, ulong seed)
    {
        var m = CsrCase.Random(rows, cols, density, seed);
        float[] dy = Shapes.Random(rows * batch, seed + 2), x = Shapes.Random(cols * batch, seed + 3);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] start = Shapes.Random(m.Nnz, seed + 4);
            float[] fast = (float[])start.Clone(), reference = (float[])start.Clone(), dense = new float[m.Nnz];
            Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, fast, rows, cols, batch, accumulate);
            Csr.Scalar.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, reference, rows, cols, batch, accumulate);
            for (int r = 0; r < rows; r++)
                for (int p = m.RowPointers[r]; p < m.RowPointers[r + 1]; p++)
                    dense[p] = (float)((accumulate ? start[p] : 0) + DenseGradient(dy, x, batch, r, m.ColumnIndices[p]));
            Approx.Equal(reference, fast, 1e-5f, 1e-4f, "SDDMM vs Scalar");
            Approx.Equal(dense, fast, 1e-5f, 1e-4f, "SDDMM vs dense");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SddmmAt_MatchesScalarAndDenseGradient(int rows, int cols, double density, int batch, ulong seed)
    {
        if (rows == 0 || cols == 0) return; // no position exists
        var rng = new Rng(seed);
        int k = 1 + (int)(density * 37); // includes k not a multiple of 4, and repeated positions
        int[] ri = new int[k], ci = new int[k];
        for (int q = 0; q < k; q++) { ri[q] = rng.NextInt(rows); ci[q] = rng.NextInt(cols); }
        float[] dy = Shapes.Random(rows * batch, seed + 2), x = Shapes.Random(cols * batch, seed + 3);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] start = Shapes.Random(k, seed + 4);
            float[] fast = (float[])start.Clone(), reference = (float[])start.Clone(), dense = new float[k];
            Csr.SddmmAt(ri, ci, dy, x, fast, rows, cols, batch, accumulate);
            Csr.Scalar.SddmmAt(ri, ci, dy, x, reference, rows, cols, batch, accumulate);
            for (int q = 0; q < k; q++) dense[q] = (float)((accumulate ? start[q] : 0) + DenseGradient(dy, x, batch, ri[q], ci[q]));
            Approx.Equal(reference, fast, 1e-5f, 1e-4f, "SDDMM-at vs Scalar");
            Approx.Equal(dense, fast, 1e-5f, 1e-4f, "SDDMM-at vs dense");
        }
    }

    [Fact]
    public void Sddmm_EveryBatchLength0To257()
    {
        var m = CsrCase.Random(9, 11, 0.5, 91);
        for (int batch = 0; batch <= 257; batch++)
        {
            float[] dy = Shapes.Random(m.Rows * batch, (ulong)batch), x = Shapes.Random(m.Cols * batch, (ulong)batch + 1000);
            float[] fast = Shapes.Random(m.Nnz, 3), reference = new float[m.Nnz];
            Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, fast, m.Rows, m.Cols, batch, accumulate: false);
            Csr.Scalar.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, reference, m.Rows, m.Cols, batch, accumulate: false);
            Approx.Equal(reference, fast, 1e-5f, 1e-4f, $"batch {batch}");
        }
    }

    [Fact]
    public void Sddmm_HandComputed()
    {
        // dY = [[1, 2], [3, 4]] (2 outputs × 2 batch), X = [[1, 0], [0, 1], [1, 1]]; W active at (0,2), (1,0), (1,1).
        int[] rp = [0, 1, 3], ci = [2, 0, 1];
        float[] dy = [1, 2, 3, 4], x = [1, 0, 0, 1, 1, 1], g = new float[3];
        Csr.Sddmm(rp, ci, dy, x, g, 2, 3, 2, accumulate: false);
        Assert.Equal(new float[] { 3, 3, 4 }, g);
    }

    [Fact]
    public void LargeParallel_MatchesScalarBitForBitAcrossRuns()
    {
        var m = CsrCase.Random(300, 200, 0.1, 15, forceEmpty: false);
        const int batch = 70;
        float[] dy = Shapes.Random(m.Rows * batch, 16), x = Shapes.Random(m.Cols * batch, 17);
        float[] g1 = new float[m.Nnz], g2 = new float[m.Nnz], gRef = new float[m.Nnz];
        Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, g1, m.Rows, m.Cols, batch, false);
        Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, g2, m.Rows, m.Cols, batch, false);
        Csr.Scalar.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, gRef, m.Rows, m.Cols, batch, false);
        Assert.Equal(g1, g2);
        Approx.Equal(gRef, g1, 1e-5f, 1e-4f);
        // The same positions through SddmmAt give the same numbers.
        int[] rowOf = new int[m.Nnz];
        for (int r = 0; r < m.Rows; r++)
            for (int p = m.RowPointers[r]; p < m.RowPointers[r + 1]; p++) rowOf[p] = r;
        float[] at = new float[m.Nnz];
        Csr.SddmmAt(rowOf, m.ColumnIndices, dy, x, at, m.Rows, m.Cols, batch, false);
        Approx.Equal(gRef, at, 1e-5f, 1e-4f);
    }

    private static double DenseGradient(float[] dy, float[] x, int batch, int r, int c)
    {
        double s = 0;
        for (int b = 0; b < batch; b++) s += (double)dy[r * batch + b] * x[c * batch + b];
        return s;
    }
}
