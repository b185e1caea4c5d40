// Construction of CsrMatrix: from entries and CSR arrays (with precise rejections), random patterns with exact
// counts, determinism under a seed, rough uniformity, Erdős–Rényi density, and a 1e6×1e6 pattern built without
// enumerating its 1e12 positions.
using Sprout.TestSupport;
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Sparse.Tests;

[Collection(ProcessMemory.Name)]
public class CsrMatrixConstructionTests
{
    [Fact]
    public void FromEntries_SortsRowsAndColumnsAndCarriesValues()
    {
        var m = CsrMatrix.FromEntries(3, 4, [2, 0, 2, 0], [3, 1, 0, 2], [1f, 2f, 3f, 4f]);
        m.CheckInvariants();
        Assert.Equal(new[] { 0, 2, 2, 4 }, m.RowPointers.ToArray());
        Assert.Equal(new[] { 1, 2, 0, 3 }, m.ColumnIndices.ToArray());
        Assert.Equal(new[] { 2f, 4f, 3f, 1f }, m.Values);
        Assert.Equal(4, m.Nnz);
        Assert.Equal(4.0 / 12, m.Density, 12);
        Assert.Equal(1 - 4.0 / 12, m.Sparsity, 12);
        Assert.Equal(new float[] { 0, 2, 4, 0, 0, 0, 0, 0, 3, 0, 0, 1 }, m.ToDense());
    }

    [Fact]
    public void FromEntries_RejectsDuplicatesAndOutOfRange()
    {
        var ex = Assert.Throws<ArgumentException>(() => CsrMatrix.FromEntries(3, 3, [0, 1, 0], [2, 1, 2]));
        Assert.Contains("Duplicate entry (0, 2) at list positions 0 and 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => CsrMatrix.FromEntries(3, 3, [0, 3], [0, 0]));
        Assert.Contains("rowIndices[1] = 3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => CsrMatrix.FromEntries(3, 3, [0], [-1]));
        Assert.Contains("columnIndices[0] = -1", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => CsrMatrix.FromEntries(3, 3, [0, 1], [0]));
        Assert.Contains("columnIndices has 1", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => CsrMatrix.FromEntries(3, 3, [0], [0], [1f, 2f]));
        Assert.Contains("values has 2", ex.Message);
        Assert.Throws<ArgumentException>(() => CsrMatrix.FromEntries(-1, 3, [], []));
    }

    [Fact]
    public void FromCsr_ValidatesEveryInvariant()
    {
        var m = CsrMatrix.FromCsr(2, 3, [0, 2, 3], [0, 2, 1], [1f, 2f, 3f]);
        m.CheckInvariants();
        Assert.Contains("not strictly increasing", Assert.Throws<ArgumentException>(() => CsrMatrix.FromCsr(2, 3, [0, 2, 3], [2, 2, 1], [1f, 2f, 3f])).Message);
        Assert.Contains("decreases at row 1: 4 > 3", Assert.Throws<ArgumentException>(() => CsrMatrix.FromCsr(2, 3, [0, 4, 3], [0, 1, 2], [1f, 2f, 3f])).Message);
        Assert.Contains("outside [0, 3)", Assert.Throws<ArgumentException>(() => CsrMatrix.FromCsr(2, 3, [0, 2, 3], [0, 3, 1], [1f, 2f, 3f])).Message);
        Assert.Contains("rowPointers[0] = 1", Assert.Throws<ArgumentException>(() => CsrMatrix.FromCsr(2, 3, [1, 2, 3], [0, 1, 2], [1f, 2f, 3f])).Message);
        Assert.Contains("rowPointers[2] = 3", Assert.Throws<ArgumentException>(() => CsrMatrix.FromCsr(2, 3, [0, 2, 3], [0, 1], [1f, 2f])).Message);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 10, 0)]
    [InlineData(7, 10, 3)]
    [InlineData(7, 10, 6)] // complement path
    [InlineData(5, 10, 10)]
    [InlineData(0, 10, 4)]
    [InlineData(50, 1000, 17)]
    public void RandomPerRow_HasExactCountPerRowAndValidStructure(int rows, int cols, int perRow)
    {
        var m = CsrMatrix.RandomPerRow(rows, cols, perRow, new Rng(1));
        m.CheckInvariants();
        Assert.Equal(rows * perRow, m.Nnz);
        for (int r = 0; r < rows; r++) Assert.Equal(perRow, m.RowLength(r));
        Assert.All(m.Values, v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => CsrMatrix.RandomPerRow(rows, cols, cols + 1, new Rng(1)));
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(1, 1, 1)]
    [InlineData(9, 11, 30)]
    [InlineData(9, 11, 80)] // complement path
    [InlineData(9, 11, 99)]
    [InlineData(0, 5, 0)]
    [InlineData(300, 200, 6000)]
    public void Random_HasExactNnzAndValidStructure(int rows, int cols, long nnz)
    {
        var m = CsrMatrix.Random(rows, cols, nnz, new Rng(2));
        m.CheckInvariants();
        Assert.Equal(nnz, m.Nnz);
        Assert.Throws<ArgumentException>(() => CsrMatrix.Random(rows, cols, (long)rows * cols + 1, new Rng(2)));
    }

    [Fact]
    public void RandomPatterns_AreDeterministicUnderASeed()
    {
        foreach (var make in new Func<ulong, CsrMatrix>[]
                 {
                     s => CsrMatrix.Random(40, 30, 200, new Rng(s)),
                     s => CsrMatrix.Random(40, 30, 1000, new Rng(s)),
                     s => CsrMatrix.RandomPerRow(40, 30, 7, new Rng(s)),
                     s => CsrMatrix.RandomPerRow(40, 30, 25, new Rng(s)),
                     s => CsrMatrix.ErdosRenyi(40, 30, 3, new Rng(s)),
                 })
        {
            CsrMatrix a = make(42), b = make(42), c = make(43);
            Assert.Equal(a.RowPointers.ToArray(), b.RowPointers.ToArray());
            Assert.Equal(a.ColumnIndices.ToArray(), b.ColumnIndices.ToArray());
            Assert.False(a.ColumnIndices.SequenceEqual(c.ColumnIndices) && a.RowPointers.SequenceEqual(c.RowPointers));
        }
    }

    [Fact]
    public void Random_IsRoughlyUniformOverPositions()
    {
        // 4×5 = 20 positions, 6 chosen per draw, 4000 draws: each position expects 1200 hits (sd ≈ 29).
        var hits = new int[20];
        var rng = new Rng(7);
        for (int t = 0; t < 4000; t++)
        {
            var m = CsrMatrix.Random(4, 5, 6, rng);
            for (int r = 0; r < 4; r++)
                for (int p = m.RowPointers[r]; p < m.RowPointers[r + 1]; p++) hits[r * 5 + m.ColumnIndices[p]]++;
        }
        Assert.All(hits, h => Assert.InRange(h, 1200 - 150, 1200 + 150));
    }

    [Fact]
    public void ErdosRenyi_UsesTheEpsilonFormulaAndClipsAtOne()
    {
        Assert.Equal(20.0 * (100 + 300) / (100.0 * 300), CsrMatrix.ErdosRenyiDensity(100, 300, 20), 12);
        Assert.Equal(1.0, CsrMatrix.ErdosRenyiDensity(4, 4, 100));
        var m = CsrMatrix.ErdosRenyi(100, 300, 20, new Rng(3));
        m.CheckInvariants();
        Assert.Equal((int)Math.Round(20.0 * 400), m.Nnz);
    }

    [Fact]
    public void ToDense_RefusesLargeShapes()
    {
        var m = CsrMatrix.Random(100_000, 100_000, 10, new Rng(1));
        Assert.Throws<InvalidOperationException>(() => m.ToDense());
    }

    [Fact]
    public void Random_MillionByMillionAtDensity1e5_WithoutEnumeratingPositions()
    {
        long before = GC.GetTotalAllocatedBytes(true);
        var m = CsrMatrix.RandomWithDensity(1_000_000, 1_000_000, 1e-5, new Rng(11));
        long allocated = GC.GetTotalAllocatedBytes(true) - before;
        Assert.Equal(10_000_000, m.Nnz);
        Assert.Equal(1e-5, m.Density, 15);
        // Keys (8 B) + CSR/CSC arrays (≈ 20 B) per entry, plus pointers: far below anything proportional to 1e12.
        Assert.True(allocated < 400L << 20, $"allocated {allocated >> 20} MB");
        m.CheckInvariants();
    }
}
