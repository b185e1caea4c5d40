// CsrMatrix queries (IndexOf/IsActive, RowOf, active-set helpers, Clone) checked against the dense form,
// and CheckInvariants catching deliberate corruption with a message that names the broken place.
using System.Reflection;
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Sparse.Tests;

public class CsrMatrixQueryTests
{
    [Fact]
    public void Queries_AgreeWithTheDenseForm()
    {
        var m = CsrMatrix.Random(23, 31, 150, new Rng(8));
        for (int p = 0; p < m.Nnz; p++) m.Values[p] = p + 1;
        float[] dense = m.ToDense();
        var set = m.ActiveSet();
        Assert.Equal(m.Nnz, set.Count);
        for (int r = 0; r < m.Rows; r++)
            for (int c = 0; c < m.Cols; c++)
            {
                int p = m.IndexOf(r, c);
                Assert.Equal(dense[r * m.Cols + c] != 0, p >= 0);
                Assert.Equal(p >= 0, m.IsActive(r, c));
                Assert.Equal(p >= 0, set.Contains((long)r * m.Cols + c));
                if (p >= 0)
                {
                    Assert.Equal(dense[r * m.Cols + c], m.Values[p]);
                    Assert.Equal(r, m.RowOf(p));
                    Assert.Equal((long)r * m.Cols + c, m.LinearIndexOf(p));
                }
            }
        int[] rowOf = new int[m.Nnz];
        m.CopyRowsTo(rowOf);
        for (int p = 0; p < m.Nnz; p++) Assert.Equal(m.RowOf(p), rowOf[p]);
        Assert.Throws<ArgumentException>(() => m.CopyRowsTo(new int[m.Nnz - 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.IndexOf(23, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.IndexOf(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.RowOf(m.Nnz));
    }

    [Fact]
    public void RowOf_SkipsEmptyRows()
    {
        var m = CsrMatrix.FromEntries(6, 2, [1, 4, 4], [0, 0, 1]);
        Assert.Equal(1, m.RowOf(0));
        Assert.Equal(4, m.RowOf(1));
        Assert.Equal(4, m.RowOf(2));
    }

    [Fact]
    public void CopyActiveTo_ReplacesThePreviousContents()
    {
        var set = new HashSet<long> { -5, 1_000_000 };
        var m = CsrMatrix.FromEntries(100_000, 100_000, [99_999, 3], [99_999, 7]);
        m.CopyActiveTo(set);
        Assert.Equal(new HashSet<long> { 99_999L * 100_000 + 99_999, 3L * 100_000 + 7 }, set);
    }

    [Fact]
    public void Clone_IsDeepAndIndependent()
    {
        var m = CsrMatrix.Random(10, 10, 30, new Rng(1));
        var c = m.Clone();
        c.Values[0] = 42;
        c.ChangeTopology([0], [c.RowOf(0) == 0 && c.IsActive(0, 0) ? 1 : 0], [FirstInactiveColumn(c, c.RowOf(0) == 0 && c.IsActive(0, 0) ? 1 : 0)]);
        c.CheckInvariants();
        m.CheckInvariants();
        Assert.Equal(0f, m.Values[0]);
        Assert.Equal(0, m.Version);
    }

    [Theory]
    [InlineData("_columnIndices", 1, 99, "ColumnIndices[1] (row 0) is 99, outside [0, 5)")]
    [InlineData("_columnIndices", 1, 0, "Row 0 is not strictly increasing")]
    [InlineData("_rowPointers", 1, 4, "RowPointers decreases at row 1")]
    [InlineData("_rowIndices", 0, 2, "Transposed index out of sync")]
    [InlineData("_transposePermutation", 0, 1, "Transposed index out of sync")]
    [InlineData("_columnPointers", 5, 3, "ColumnPointers[5] is 3, expected Nnz = 4")]
    public void CheckInvariants_NamesTheCorruption(string field, int index, int value, string expected)
    {
        var m = CsrMatrix.FromEntries(3, 5, [0, 0, 1, 2], [1, 3, 2, 4]);
        m.CheckInvariants();
        var array = (int[])typeof(CsrMatrix).GetField(field, BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(m)!;
        array[index] = value;
        var ex = Assert.Throws<InvalidOperationException>(m.CheckInvariants);
        Assert.Contains(expected, ex.Message);
    }

    private static int FirstInactiveColumn(CsrMatrix m, int row)
    {
        for (int c = 0; c < m.Cols; c++)
            if (!m.IsActive(row, c)) return c;
        throw new InvalidOperationException("row is full");
    }
}
