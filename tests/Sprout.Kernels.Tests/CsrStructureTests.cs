// Tests of the CSR kernels' contracts beyond arithmetic: the transposed index, argument validation (which is
// what keeps the pointer loops in bounds), and that the kernels allocate nothing.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public class CsrStructureTests
{
    [Theory]
    [InlineData(1, 1, 1.0)]
    [InlineData(0, 3, 0.5)]
    [InlineData(3, 0, 0.5)]
    [InlineData(5, 5, 0.0)]
    [InlineData(17, 23, 0.3)]
    [InlineData(40, 9, 0.9)]
    public void TransposedIndex_ListsEveryEntryOnceByColumnInRowOrder(int rows, int cols, double density)
    {
        var m = CsrCase.Random(rows, cols, density, 3);
        Assert.Equal(0, m.ColumnPointers[0]);
        Assert.Equal(m.Nnz, m.ColumnPointers[cols]);
        var seen = new bool[m.Nnz];
        for (int c = 0; c < cols; c++)
            for (int q = m.ColumnPointers[c]; q < m.ColumnPointers[c + 1]; q++)
            {
                int p = m.Permutation[q], r = m.RowIndices[q];
                Assert.False(seen[p]);
                seen[p] = true;
                Assert.Equal(c, m.ColumnIndices[p]);
                Assert.InRange(p, m.RowPointers[r], m.RowPointers[r + 1] - 1);
                if (q > m.ColumnPointers[c]) Assert.True(m.RowIndices[q - 1] < r);
            }
        Assert.All(seen, Assert.True);
    }

    [Fact]
    public void MalformedStructure_ThrowsArgumentExceptionNamingTheProblem()
    {
        float[] x = new float[6], y = new float[6], v = [1, 2, 3];
        var ex = Assert.Throws<ArgumentException>(() => Csr.SpMM([0, 2, 1, 3], [0, 1, 2], v, x, y, 3, 3, 2, false));
        Assert.Contains("nondecreasing", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.SpMM([0, 1, 2, 3], [0, 3, 2], v, x, y, 3, 3, 2, false));
        Assert.Contains("columnIndices[1] = 3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.SpMM([1, 1, 2, 3], [0, 1, 2], v, x, y, 3, 3, 2, false));
        Assert.Contains("[0] must be 0", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.SpMM([0, 1, 2, 3], [0, 1, 2], v, x, new float[5], 3, 3, 2, false));
        Assert.Contains("y holds 5", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.SpMM([0, 1, 2, 3], [0, 1, 2], v, x, y, 3, 3, -1, false));
        Assert.Contains("batch", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.SpMMTransposed([0, 1, 2, 3], [0, 1, 2], [0, 1, 5], v, y, x, 3, 3, 2, true));
        Assert.Contains("permutation[2] = 5", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.SddmmAt([0, 1], [0], y, x, v, 3, 3, 2, false));
        Assert.Contains("columnIndices has 1", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.SddmmAt([0, -1], [0, 0], y, x, v, 3, 3, 2, false));
        Assert.Contains("rowIndices[1] = -1", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Csr.Sddmm([0, 1, 2, 3], [0, 1, 2], y, x, new float[2], 3, 3, 2, false));
        Assert.Contains("values holds 2", ex.Message);
    }

    [Fact]
    public void Kernels_AllocateNothing_SerialAndParallel()
    {
        foreach (var (rows, batch) in new[] { (20, 8), (400, 64) })
        {
            var m = CsrCase.Random(rows, 150, 0.2, 9, forceEmpty: false);
            float[] x = Shapes.Random(m.Cols * batch, 1), y = new float[m.Rows * batch], dy = Shapes.Random(m.Rows * batch, 2);
            float[] dx = new float[m.Cols * batch], g = new float[m.Nnz], at = new float[16];
            int[] ri = new int[16], ci = new int[16];
            void RunAll()
            {
                Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, y, m.Rows, m.Cols, batch, false);
                Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx, m.Rows, m.Cols, batch, true);
                Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, g, m.Rows, m.Cols, batch, false);
                Csr.SddmmAt(ri, ci, dy, x, at, m.Rows, m.Cols, batch, false);
                Csr.BuildTransposedIndex(m.RowPointers, m.ColumnIndices, m.Rows, m.Cols, m.ColumnPointers, m.RowIndices, m.Permutation);
            }
            RunAll(); // first call starts the helper threads and JITs
            Assert.Equal(0, Allocations.OnceSettled(RunAll));
        }
    }

    [Fact]
    public void ConcurrentCallers_RunInlineAndStayCorrect()
    {
        var m = CsrCase.Random(300, 200, 0.1, 21, forceEmpty: false);
        const int batch = 64;
        float[] x = Shapes.Random(m.Cols * batch, 22), expected = new float[m.Rows * batch];
        Csr.Scalar.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, expected, m.Rows, m.Cols, batch, false);
        Parallel.For(0, 8, _ =>
        {
            var y = new float[m.Rows * batch];
            for (int i = 0; i < 20; i++)
            {
                Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, y, m.Rows, m.Cols, batch, false);
                Approx.Equal(expected, y, 1e-5f, 1e-4f);
            }
        });
    }
}
