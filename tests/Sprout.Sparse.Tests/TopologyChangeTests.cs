// The topology-change primitive: rigl's invariants (nnz preserved, new weights start at the grow value,
// survivors keep theirs, an empty change changes nothing), CSR and transposed-index validity after every change,
// Remap against a naive remap, rejection of bad input without touching the matrix, determinism, and that
// repeated changes allocate nothing.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Sparse.Tests;

public class TopologyChangeTests
{
    /// <summary>Random drop set and random inactive grow set of size k (optionally regrowing some dropped positions).</summary>
    internal static (int[] Drop, int[] Rows, int[] Cols) RandomChange(CsrMatrix m, int k, Rng rng, int regrow = 0)
    {
        var all = new int[m.Nnz];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        rng.Shuffle(all.AsSpan());
        int[] drop = all[..k];
        var rows = new List<int>();
        var cols = new List<int>();
        var taken = new HashSet<long>();
        for (int j = 0; j < regrow; j++)
        {
            int r = m.RowOf(drop[j]), c = m.ColumnIndices[drop[j]];
            rows.Add(r); cols.Add(c); taken.Add((long)r * m.Cols + c);
        }
        while (rows.Count < k)
        {
            int r = rng.NextInt(m.Rows), c = rng.NextInt(m.Cols);
            if (m.IsActive(r, c) || !taken.Add((long)r * m.Cols + c)) continue;
            rows.Add(r); cols.Add(c);
        }
        return (drop, rows.ToArray(), cols.ToArray());
    }

    [Theory]
    [InlineData(1, 2, 1, 1)]
    [InlineData(10, 12, 30, 5)]
    [InlineData(10, 12, 30, 30)]
    [InlineData(37, 23, 200, 60)]
    [InlineData(64, 64, 2000, 500)]
    public void RepeatedChanges_KeepNnzInvariantsAndMatchTheDenseEdit(int rows, int cols, int nnz, int k)
    {
        var rng = new Rng((ulong)(rows * 1000 + k));
        var m = CsrMatrix.Random(rows, cols, nnz, rng);
        Shapes.Random(nnz, 5).CopyTo(m.Values, 0);
        for (int step = 0; step < 6; step++)
        {
            var (drop, gr, gc) = RandomChange(m, k, rng, regrow: step % 3 == 2 ? Math.Min(2, k) : 0);
            float[] dense = m.ToDense();
            var regrown = new HashSet<long>();
            for (int i = 0; i < k; i++) regrown.Add((long)gr[i] * cols + gc[i]);
            foreach (int p in drop)
            {
                long key = (long)m.RowOf(p) * cols + m.ColumnIndices[p];
                if (!regrown.Remove(key)) dense[key] = 0; // dropped and not regrown
            }
            foreach (long key in regrown) dense[key] = 0.5f; // newly grown
            int version = m.Version;

            var change = m.ChangeTopology(drop, gr, gc, growValue: 0.5f);

            m.CheckInvariants();
            Assert.Equal(nnz, m.Nnz);
            Assert.Equal(version + 1, m.Version);
            Assert.Equal(m.Version, change.Version);
            Assert.Equal(dense, m.ToDense());
            Assert.Equal(regrown.Count, change.GrownCount);
            Assert.Equal(k - regrown.Count, change.RegrownCount);
            for (int i = 0; i < k; i++) Assert.True(m.IsActive(gr[i], gc[i]));
        }
    }

    [Fact]
    public void Remap_MovesStateWithItsEntryAndZeroesGrownEntries()
    {
        var rng = new Rng(9);
        var m = CsrMatrix.Random(30, 40, 300, rng);
        // Give every entry a value that identifies its position, and state arrays derived from it.
        for (int p = 0; p < m.Nnz; p++) m.Values[p] = m.RowOf(p) * 1000 + m.ColumnIndices[p];
        float[] momentum = (float[])m.Values.Clone(), adamV = m.Values.Select(v => v + 0.25f).ToArray();
        for (int step = 0; step < 5; step++)
        {
            var (drop, gr, gc) = RandomChange(m, 40 + step * 10, rng, regrow: step);
            float[] oldMomentum = (float[])momentum.Clone();
            var change = m.ChangeTopology(drop, gr, gc, growValue: -1f);
            change.Remap(momentum);
            change.Remap(adamV, grownValue: 7f);
            for (int i = 0; i < m.Nnz; i++)
            {
                int s = change.Sources[i];
                Assert.Equal(s < 0 ? 0f : oldMomentum[s], momentum[i]);
                bool grown = change.GrownIndices.Contains(i);
                Assert.Equal(grown, s < 0);
                if (grown)
                {
                    Assert.Equal(-1f, m.Values[i]);
                    Assert.Equal(7f, adamV[i]);
                    m.Values[i] = m.RowOf(i) * 1000 + m.ColumnIndices[i];
                    momentum[i] = m.Values[i];
                    adamV[i] = m.Values[i] + 0.25f;
                }
                else
                {
                    // A surviving entry's value, momentum and v all still name its own position.
                    Assert.Equal(m.RowOf(i) * 1000 + m.ColumnIndices[i], m.Values[i]);
                    Assert.Equal(m.Values[i], momentum[i]);
                    Assert.Equal(m.Values[i] + 0.25f, adamV[i]);
                }
            }
            Assert.Throws<ArgumentException>(() => change.Remap(new float[m.Nnz - 1]));
        }
    }

    [Fact]
    public void DroppedAndRegrownPosition_KeepsValueAndState()
    {
        var m = CsrMatrix.FromEntries(2, 3, [0, 0, 1], [0, 2, 1], [1f, 2f, 3f]);
        float[] state = [10f, 20f, 30f];
        // Drop (0,0) and (0,2); grow (0,2) again and (1,2) new.
        var change = m.ChangeTopology([0, 1], [0, 1], [2, 2]);
        change.Remap(state);
        m.CheckInvariants();
        Assert.Equal(new[] { 0, 1, 3 }, m.RowPointers.ToArray());
        Assert.Equal(new[] { 2, 1, 2 }, m.ColumnIndices.ToArray());
        Assert.Equal(new[] { 2f, 3f, 0f }, m.Values);
        Assert.Equal(new[] { 20f, 30f, 0f }, state);
        Assert.Equal(new[] { 1, 2, -1 }, change.Sources.ToArray());
        Assert.Equal(1, change.GrownCount);
        Assert.Equal(1, change.RegrownCount);
    }

    [Fact]
    public void PerPositionGrowValues_LandOnTheirPositions()
    {
        var m = CsrMatrix.FromEntries(3, 3, [0, 1, 2], [0, 1, 2], [1f, 2f, 3f]);
        m.ChangeTopology([0, 2], [2, 0], [0, 2], [5f, 6f]);
        Assert.Equal(new float[] { 0, 0, 6, 0, 2, 0, 5, 0, 0 }, m.ToDense());
        Assert.Throws<ArgumentException>(() => m.ChangeTopology([0], [1], [0], [1f, 2f]));
    }

    [Fact]
    public void EmptyChange_ChangesNothing()
    {
        var m = CsrMatrix.Random(20, 20, 50, new Rng(4));
        Shapes.Random(50, 1).CopyTo(m.Values, 0);
        float[] before = m.ToDense();
        var change = m.ChangeTopology([], [], []);
        Assert.Equal(before, m.ToDense());
        Assert.Equal(Enumerable.Range(0, 50), change.Sources.ToArray());
        Assert.Equal(0, change.GrownCount);
    }

    [Fact]
    public void InvalidChanges_ThrowAndLeaveMatrixAndPreviousChangeIntact()
    {
        var m = CsrMatrix.FromEntries(3, 3, [0, 1, 2], [0, 1, 2], [1f, 2f, 3f]);
        var change = m.ChangeTopology([0], [0], [1]);
        int[] sources = change.Sources.ToArray();
        float[] dense = m.ToDense();
        (string Expect, Action Act)[] bad =
        [
            ("growRows has 1 entries but growCols has 0", () => m.ChangeTopology([0], [0], [])),
            ("drop[0] = 3 is outside", () => m.ChangeTopology([3], [0], [0])),
            ("drop lists value index 1 twice", () => m.ChangeTopology([1, 1], [0, 1], [0, 0])),
            ("growRows[0] = 3 is outside", () => m.ChangeTopology([0], [3], [0])),
            ("growCols[0] = -1 is outside", () => m.ChangeTopology([0], [0], [-1])),
            ("repeats position (1, 0)", () => m.ChangeTopology([0, 1], [1, 1], [0, 0])),
            ("(2, 2) (growRows/growCols[0]) is already active (value index 2)", () => m.ChangeTopology([0], [2], [2])),
        ];
        foreach (var (expect, act) in bad)
        {
            var ex = Assert.Throws<ArgumentException>(act);
            Assert.Contains(expect, ex.Message);
            m.CheckInvariants();
            Assert.Equal(dense, m.ToDense());
            Assert.Equal(sources, change.Sources.ToArray());
        }
    }

    [Fact]
    public void SameSeed_SameTopologySequence()
    {
        static int[] Run(ulong seed)
        {
            var rng = new Rng(seed);
            var m = CsrMatrix.Random(50, 40, 400, rng);
            for (int i = 0; i < 4; i++)
            {
                var (d, r, c) = RandomChange(m, 60, rng);
                m.ChangeTopology(d, r, c);
            }
            return [.. m.RowPointers, .. m.ColumnIndices];
        }
        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }

    [Fact]
    public void SteadyStateChanges_AllocateNothing() => AllocationFreeRoundTrip(CsrMatrix.Random(200, 300, 3000, new Rng(12)), new Rng(13));

    private static void AllocationFreeRoundTrip(CsrMatrix m, Rng rng)
    {
        // Two changes that undo each other, with every argument array prepared up front.
        var (drop, gr, gc) = RandomChange(m, 80, rng);
        var dropBack = new int[80];
        var growBackRows = new int[80];
        var growBackCols = new int[80];
        for (int i = 0; i < 80; i++) { growBackRows[i] = m.RowOf(drop[i]); growBackCols[i] = m.ColumnIndices[drop[i]]; }
        float[] state = new float[m.Nnz];
        var set = new HashSet<long>();
        m.CopyActiveTo(set);
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var change = m.ChangeTopology(drop, gr, gc);
            change.Remap(state);
            for (int i = 0; i < 80; i++) dropBack[i] = m.IndexOf(gr[i], gc[i]);
            change = m.ChangeTopology(dropBack, growBackRows, growBackCols);
            change.Remap(state);
            for (int i = 0; i < 80; i++) drop[i] = m.IndexOf(growBackRows[i], growBackCols[i]);
            m.CopyActiveTo(set);
            if (round > 0) Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread()); // round 0 grows the scratch
            m.CheckInvariants();
        }
    }

    [Fact]
    public void KernelsOnTheMatrix_MatchTheDenseProductAfterChanges()
    {
        var rng = new Rng(21);
        var m = CsrMatrix.Random(33, 29, 200, rng);
        Shapes.Random(m.Nnz, 3).CopyTo(m.Values, 0);
        const int batch = 19;
        float[] x = Shapes.Random(m.Cols * batch, 4), dy = Shapes.Random(m.Rows * batch, 5);
        for (int step = 0; step < 3; step++)
        {
            var (d, r, c) = RandomChange(m, 40, rng);
            m.ChangeTopology(d, r, c, growValue: 0.3f);
            float[] w = m.ToDense();
            float[] y = new float[m.Rows * batch], dx = new float[m.Cols * batch];
            Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, y, m.Rows, m.Cols, batch, accumulate: false);
            Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.TransposePermutation, m.Values, dy, dx, m.Rows, m.Cols, batch, accumulate: false);
            float[] yRef = new float[y.Length], dxRef = new float[dx.Length];
            for (int i = 0; i < m.Rows; i++)
                for (int j = 0; j < m.Cols; j++)
                    for (int b = 0; b < batch; b++)
                    {
                        yRef[i * batch + b] += w[i * m.Cols + j] * x[j * batch + b];
                        dxRef[j * batch + b] += w[i * m.Cols + j] * dy[i * batch + b];
                    }
            Approx.Equal(yRef, y, 1e-5f, 1e-4f, "SpMM on changed matrix");
            Approx.Equal(dxRef, dx, 1e-5f, 1e-4f, "SpMMᵀ on changed matrix");
        }
    }
}
