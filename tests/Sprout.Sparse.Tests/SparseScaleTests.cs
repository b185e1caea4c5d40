// The always-sparse promise at scale: a 100,000×100,000 layer at density 1e-4 (1e6 nnz) goes through
// construction, forward, both gradients and a topology change with total allocation far below what a single
// dense weight matrix (40 GB) would take.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Sparse.Tests;

[Collection(ProcessMemory.Name)]
public class SparseScaleTests
{
    [Fact]
    public void HundredThousandSquared_FullSparseStep_AllocatesUnder200MB()
    {
        const int n = 100_000, batch = 32, k = 10_000;
        long before = GC.GetTotalAllocatedBytes(true);

        var rng = new Rng(2024);
        var w = CsrMatrix.RandomWithDensity(n, n, 1e-4, rng);
        Assert.Equal(1_000_000, w.Nnz);
        rng.FillNormal(w.Values, 0, 0.01f);
        float[] x = Shapes.Random(n * batch, 1), y = new float[n * batch];
        float[] dy = Shapes.Random(n * batch, 2), dx = new float[n * batch], grad = new float[w.Nnz];

        Csr.SpMM(w.RowPointers, w.ColumnIndices, w.Values, x, y, n, n, batch, accumulate: false);
        Csr.SpMMTransposed(w.ColumnPointers, w.RowIndices, w.TransposePermutation, w.Values, dy, dx, n, n, batch, accumulate: true);
        Csr.Sddmm(w.RowPointers, w.ColumnIndices, dy, x, grad, n, n, batch, accumulate: false);

        // Drop the k smallest-index entries, grow k random inactive positions (checked through the row search).
        var drop = new int[k];
        for (int i = 0; i < k; i++) drop[i] = i * (w.Nnz / k);
        int[] growRows = new int[k], growCols = new int[k];
        var chosen = new HashSet<long>(k);
        for (int i = 0; i < k;)
        {
            int r = rng.NextInt(n), c = rng.NextInt(n);
            if (w.IsActive(r, c) || !chosen.Add((long)r * n + c)) continue;
            growRows[i] = r;
            growCols[i++] = c;
        }
        var change = w.ChangeTopology(drop, growRows, growCols);
        change.Remap(grad);
        Csr.SpMM(w.RowPointers, w.ColumnIndices, w.Values, x, y, n, n, batch, accumulate: false);

        long allocated = GC.GetTotalAllocatedBytes(true) - before;
        Assert.Equal(1_000_000, w.Nnz);
        Assert.Equal(k, change.GrownCount);
        w.CheckInvariants();
        // x, y, dy, dx are 12.8 MB each; the matrix with its transposed index and scratch ≈ 40 MB.
        Assert.True(allocated < 200L << 20, $"allocated {allocated / (1 << 20)} MB");
    }
}
