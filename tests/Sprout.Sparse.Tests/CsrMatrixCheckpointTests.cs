// Restoring a saved structure into a matrix built with another nnz (a checkpoint of a method that moved budget between
// layers): the matrix takes the file's entries whether it has to grow or shrink, and its transposed index follows.
using Sprout.Core;

namespace Sprout.Sparse.Tests;

public class CsrMatrixCheckpointTests
{
    [Theory]
    [InlineData(40, 90)]  // the file holds more entries than the matrix's capacity: the arrays grow
    [InlineData(90, 40)]  // fewer: the matrix shrinks within its arrays
    [InlineData(55, 55)]
    public void RestoreStructure_TakesTheFilesEntries(int builtNnz, int savedNnz)
    {
        var saved = CsrMatrix.Random(13, 17, savedNnz, new Rng(1));
        var state = new StateDict();
        saved.SaveStructure(state, "w");

        var target = CsrMatrix.Random(13, 17, builtNnz, new Rng(2));
        var (indptr, indices) = CsrMatrix.ReadStructure(state, "w", 13, 17);
        target.RestoreStructure(indptr, indices);

        Assert.Equal(savedNnz, target.Nnz);
        Assert.True(target.Capacity >= savedNnz);
        Assert.Equal(saved.RowPointers.ToArray(), target.RowPointers.ToArray());
        Assert.Equal(saved.ColumnIndices.ToArray(), target.ColumnIndices.ToArray());
        target.CheckInvariants();
        for (int r = 0; r < 13; r++)
            for (int c = 0; c < 17; c++)
                Assert.Equal(saved.IsActive(r, c), target.IsActive(r, c));
    }

    [Fact]
    public void ReadStructure_RejectsAnotherShape()
    {
        var state = new StateDict();
        CsrMatrix.Random(13, 17, 20, new Rng(1)).SaveStructure(state, "w");
        var e = Assert.Throws<InvalidDataException>(() => CsrMatrix.ReadStructure(state, "w", 17, 13));
        Assert.Contains("13, 17", e.Message);
    }

    [Fact]
    public void RestoreStructure_RejectsAMalformedStructureAndChangesNothing()
    {
        var m = CsrMatrix.Random(4, 5, 8, new Rng(3));
        var pointers = m.RowPointers.ToArray();
        var columns = m.ColumnIndices.ToArray();
        Assert.Throws<CorruptStateException>(() => m.RestoreStructure([0, 1, 2], [0, 1]));            // too few row pointers
        Assert.Throws<CorruptStateException>(() => m.RestoreStructure([0, 1, 1, 1, 3], [0, 1]));      // indptr[rows] ≠ indices
        Assert.Throws<CorruptStateException>(() => m.RestoreStructure([0, 2, 2, 2, 2], [3, 1]));      // unsorted row
        Assert.Throws<CorruptStateException>(() => m.RestoreStructure([0, 1, 1, 1, 1], [5]));         // column out of range
        Assert.Equal(8, m.Nnz);
        Assert.Equal(pointers, m.RowPointers.ToArray());
        Assert.Equal(columns, m.ColumnIndices.ToArray());
        m.CheckInvariants();
    }
}
