// Topology changes that drop and grow different numbers of entries (budget moved between layers): nnz becomes
// old − drops + grows, the CSR and transposed index stay valid and equal to the dense edit, Remap over
// max(old, new) elements matches a naive remap, the value array keeps its identity unless nnz outgrows the capacity,
// and the kernels read a matrix whose arrays are longer than nnz correctly.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Sparse.Tests;

public class TopologyChangeNnzTests
{
    [Theory]
    [InlineData(20, 30, 100, new[] { 10, 0, 40, 5, 0, 30 }, new[] { 30, 25, 5, 5, 50, 0 })]
    [InlineData(7, 9, 20, new[] { 20, 0, 3 }, new[] { 0, 40, 1 })]
    public void UnequalChanges_MatchTheDenseEditAndRemap(int rows, int cols, int nnz, int[] drops, int[] grows)
    {
        var rng = new Rng(11);
        var m = CsrMatrix.Random(rows, cols, nnz, rng);
        Shapes.Random(nnz, 3).CopyTo(m.Values, 0);
        for (int step = 0; step < drops.Length; step++)
        {
            int old = m.Nnz;
            var (drop, gr, gc) = RandomChanges.Pick(m, Math.Min(drops[step], old), grows[step], rng);
            float[] dense = m.ToDense();
            foreach (int p in drop) dense[(long)m.RowOf(p) * cols + m.ColumnIndices[p]] = 0;
            for (int i = 0; i < gr.Length; i++) dense[(long)gr[i] * cols + gc[i]] = 0.5f;
            // Per-entry state keyed by position, to check Remap against the naive old→new lookup.
            var state = new float[Math.Max(old, old - drop.Length + gr.Length)];
            for (int p = 0; p < old; p++) state[p] = m.LinearIndexOf(p) + 1;
            var keyOf = new long[old];
            for (int p = 0; p < old; p++) keyOf[p] = m.LinearIndexOf(p);
            var valuesBefore = m.Values;
            bool fits = old - drop.Length + gr.Length <= m.Capacity;

            var change = m.ChangeTopology(drop, gr, gc, growValue: 0.5f);

            Assert.Equal(old - drop.Length + gr.Length, m.Nnz);
            Assert.Equal(old, change.OldNnz);
            Assert.Equal(m.Nnz, change.Nnz);
            Assert.True(m.Capacity >= m.Nnz);
            Assert.Equal(fits, ReferenceEquals(valuesBefore, m.Values));
            m.CheckInvariants();
            Assert.Equal(dense, m.ToDense());
            Assert.Equal(m.Nnz, m.ColumnIndices.Length);
            Assert.Equal(m.Nnz, m.TransposePermutation.Length);
            Assert.Equal(gr.Length, change.GrownCount);
            Assert.Equal(change.RemapLength, state.Length);
            change.Remap(state);
            for (int p = 0; p < m.Nnz; p++)
            {
                int src = change.Sources[p];
                Assert.Equal(src < 0 ? 0f : keyOf[src] + 1, state[p]);
                if (src >= 0) Assert.Equal(keyOf[src], m.LinearIndexOf(p));
            }
        }
    }

    [Fact]
    public void RemapRejectsAStateOfTheWrongLength()
    {
        var m = CsrMatrix.FromEntries(3, 3, [0, 1, 2], [0, 1, 2], [1f, 2f, 3f]);
        var change = m.ChangeTopology([0], [0, 2], [1, 0]);
        Assert.Equal(4, m.Nnz);
        var ex = Assert.Throws<ArgumentException>(() => change.Remap(new float[3]));
        Assert.Contains("from 3 to 4", ex.Message);
        change.Remap(new float[4]);
    }

    [Fact]
    public void KernelsAndClone_OnAMatrixWithSpareCapacity()
    {
        var rng = new Rng(5);
        var m = CsrMatrix.Random(30, 25, 200, rng);
        var (d, r, c) = RandomChanges.Pick(m, 10, 60, rng);   // outgrows the capacity
        m.ChangeTopology(d, r, c, growValue: 0.25f);
        (d, r, c) = RandomChanges.Pick(m, 50, 5, rng);        // shrinks: capacity now exceeds nnz
        m.ChangeTopology(d, r, c, growValue: -0.5f);
        Assert.True(m.Capacity > m.Nnz);
        Shapes.Random(m.Nnz, 9).CopyTo(m.Values, 0);
        const int batch = 5;
        float[] x = Shapes.Random(m.Cols * batch, 1), y = new float[m.Rows * batch], yRef = new float[y.Length];
        Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, y, m.Rows, m.Cols, batch, accumulate: false);
        float[] w = m.ToDense();
        for (int i = 0; i < m.Rows; i++)
            for (int j = 0; j < m.Cols; j++)
                for (int b = 0; b < batch; b++) yRef[i * batch + b] += w[i * m.Cols + j] * x[j * batch + b];
        Approx.Equal(yRef, y, 1e-5f, 1e-4f, "SpMM with spare capacity");
        var clone = m.Clone();
        clone.CheckInvariants();
        Assert.Equal(m.Nnz, clone.Capacity);
        Assert.Equal(w, clone.ToDense());
    }
}
