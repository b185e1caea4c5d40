// Tests of the forward and transposed CSR SpMM: fast path vs the Scalar reference vs a dense double-precision
// loop over the same matrix, across odd shapes, empty rows and columns, nnz = 0, 1×1 and every batch tail.
// Also holds CsrCase, the random CSR fixture the other Csr*Tests files share.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

/// <summary>A random CSR matrix with guaranteed empty rows (r % 3 == 2) and empty columns (c % 5 == 4) when asked.</summary>
internal sealed class CsrCase
{
    public int Rows, Cols, Nnz;
    public int[] RowPointers = [], ColumnIndices = [], ColumnPointers = [], RowIndices = [], Permutation = [];
    public float[] Values = [];

    public static CsrCase Random(int rows, int cols, double density, ulong seed, bool forceEmpty = true)
    {
        var rng = new Rng(seed);
        var c = new CsrCase { Rows = rows, Cols = cols, RowPointers = new int[rows + 1] };
        var idx = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < cols; j++)
                if (!(forceEmpty && (r % 3 == 2 || j % 5 == 4)) && rng.NextDouble() < density) idx.Add(j);
            c.RowPointers[r + 1] = idx.Count;
        }
        c.Nnz = idx.Count;
        c.ColumnIndices = idx.ToArray();
        c.Values = Shapes.Random(c.Nnz, seed + 1);
        c.ColumnPointers = new int[cols + 1];
        c.RowIndices = new int[c.Nnz];
        c.Permutation = new int[c.Nnz];
        Csr.BuildTransposedIndex(c.RowPointers, c.ColumnIndices, rows, cols, c.ColumnPointers, c.RowIndices, c.Permutation);
        return c;
    }

    /// <summary>W as a dense [rows × cols] array of doubles.</summary>
    public double[] Dense()
    {
        var w = new double[Rows * Cols];
        for (int r = 0; r < Rows; r++)
            for (int p = RowPointers[r]; p < RowPointers[r + 1]; p++) w[r * Cols + ColumnIndices[p]] = Values[p];
        return w;
    }

    /// <summary>Batch sizes that hit every vector tail: around 4, 8, 16 and 64 multiples, plus 1 and 257.</summary>
    public static readonly int[] Batches = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 31, 32, 33, 48, 63, 64, 65, 80, 127, 128, 129, 200, 255, 256, 257];

    /// <summary>(rows, cols, density): 1×1, empty dimensions, odd sizes, nnz = 0, fully dense.</summary>
    public static readonly (int Rows, int Cols, double Density)[] Shapes3 =
        [(1, 1, 1.0), (0, 4, 0.5), (4, 0, 0.5), (3, 5, 0.0), (7, 13, 0.3), (13, 7, 1.0), (33, 17, 0.2), (50, 64, 0.05)];

    public static IEnumerable<object[]> Cases()
    {
        ulong seed = 1;
        foreach (var (r, c, d) in Shapes3)
            foreach (int b in Batches)
                yield return [r, c, d, b, seed++];
    }
}

public class CsrSpMMTests
{
    public static IEnumerable<object[]> Cases() => CsrCase.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void SpMM_MatchesScalarAndDense(int rows, int cols, double density, int batch, ulong seed)
    {
        var m = CsrCase.Random(rows, cols, density, seed);
        float[] x = Shapes.Random(cols * batch, seed + 2);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] start = Shapes.Random(rows * batch, seed + 3);
            float[] fast = (float[])start.Clone(), reference = (float[])start.Clone();
            Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, fast, rows, cols, batch, accumulate);
            Csr.Scalar.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, reference, rows, cols, batch, accumulate);
            float[] dense = DenseProduct(m.Dense(), rows, cols, x, batch, accumulate ? start : null);
            Approx.Equal(reference, fast, 1e-5f, 1e-4f, "SpMM vs Scalar");
            Approx.Equal(dense, fast, 1e-5f, 1e-4f, "SpMM vs dense");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SpMMTransposed_MatchesScalarAndDense(int rows, int cols, double density, int batch, ulong seed)
    {
        var m = CsrCase.Random(rows, cols, density, seed);
        float[] dy = Shapes.Random(rows * batch, seed + 2);
        double[] w = m.Dense(), wt = new double[cols * rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) wt[c * rows + r] = w[r * cols + c];
        foreach (bool accumulate in new[] { false, true })
        {
            float[] start = Shapes.Random(cols * batch, seed + 3);
            float[] fast = (float[])start.Clone(), reference = (float[])start.Clone();
            Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, fast, rows, cols, batch, accumulate);
            Csr.Scalar.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, reference, rows, cols, batch, accumulate);
            float[] dense = DenseProduct(wt, cols, rows, dy, batch, accumulate ? start : null);
            Approx.Equal(reference, fast, 1e-5f, 1e-4f, "SpMMᵀ vs Scalar");
            Approx.Equal(dense, fast, 1e-5f, 1e-4f, "SpMMᵀ vs dense");
        }
    }

    [Fact]
    public void SpMM_EveryBatchLength0To257()
    {
        var m = CsrCase.Random(9, 11, 0.4, 77);
        for (int batch = 0; batch <= 257; batch++)
        {
            float[] x = Shapes.Random(m.Cols * batch, (ulong)batch);
            float[] fast = new float[m.Rows * batch], reference = new float[m.Rows * batch];
            Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, fast, m.Rows, m.Cols, batch, accumulate: false);
            Csr.Scalar.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, reference, m.Rows, m.Cols, batch, accumulate: false);
            Approx.Equal(reference, fast, 1e-5f, 1e-4f, $"batch {batch}");
        }
    }

    [Fact]
    public void SpMM_HandComputed()
    {
        // W = [[0, 2, 0], [0, 0, 0], [1, 0, -1]], X = [[1, 2], [3, 4], [5, 6]] (3 features × 2 batch).
        int[] rp = [0, 1, 1, 3], ci = [1, 0, 2];
        float[] v = [2, 1, -1], x = [1, 2, 3, 4, 5, 6], y = new float[6];
        Csr.SpMM(rp, ci, v, x, y, 3, 3, 2, accumulate: false);
        Assert.Equal(new float[] { 6, 8, 0, 0, -4, -4 }, y);
    }

    [Fact]
    public void LargeParallel_MatchesScalarBitForBitAcrossRuns()
    {
        var m = CsrCase.Random(300, 200, 0.1, 5, forceEmpty: false);
        const int batch = 70;
        float[] x = Shapes.Random(m.Cols * batch, 6), dy = Shapes.Random(m.Rows * batch, 7);
        float[] y1 = new float[m.Rows * batch], y2 = new float[m.Rows * batch], yRef = new float[m.Rows * batch];
        Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, y1, m.Rows, m.Cols, batch, false);
        Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, y2, m.Rows, m.Cols, batch, false);
        Csr.Scalar.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, yRef, m.Rows, m.Cols, batch, false);
        Assert.Equal(y1, y2);
        Approx.Equal(yRef, y1, 1e-5f, 1e-4f);
        float[] dx1 = new float[m.Cols * batch], dx2 = new float[m.Cols * batch], dxRef = new float[m.Cols * batch];
        Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx1, m.Rows, m.Cols, batch, true);
        Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx2, m.Rows, m.Cols, batch, true);
        Csr.Scalar.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dxRef, m.Rows, m.Cols, batch, true);
        Assert.Equal(dx1, dx2);
        Approx.Equal(dxRef, dx1, 1e-5f, 1e-4f);
    }

    /// <summary>out[i, b] = (start[i, b] or 0) + Σ_j a[i, j]·src[j, b], in double.</summary>
    internal static float[] DenseProduct(double[] a, int m, int k, float[] src, int batch, float[]? start)
    {
        var o = new float[m * batch];
        for (int i = 0; i < m; i++)
            for (int b = 0; b < batch; b++)
            {
                double s = start is null ? 0 : start[i * batch + b];
                for (int j = 0; j < k; j++) s += a[i * k + j] * src[j * batch + b];
                o[i * batch + b] = (float)s;
            }
        return o;
    }
}
