// BenchmarkDotNet suite for the CSR kernels on one 4096×4096 layer, batch 256: forward SpMM, transposed SpMM,
// SDDMM, the fused backward and a topology change, at 5% and 1% density. For the sparse-vs-dense comparison use
// `sprout bench sparse` (Sprout.Sparse.Diagnostics.SparseKernelBenchmark); this suite is for kernel tuning.
using BenchmarkDotNet.Attributes;
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;

namespace Sprout.Bench;

[MemoryDiagnoser]
[ShortRunJob]
public class CsrBenchmarks
{
    private const int Size = 4096, Batch = 256;
    private CsrMatrix _w = null!;
    private float[] _x = [], _y = [], _dy = [], _dx = [], _grad = [];
    private int[] _drop = [], _growRows = [], _growCols = [], _dropBack = [], _growRowsBack = [], _growColsBack = [];

    [Params(0.05, 0.01)]
    public double Density { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _w = CsrMatrix.RandomWithDensity(Size, Size, Density, rng);
        rng.FillNormal(_w.Values, 0, 0.01f);
        _x = new float[Size * Batch];
        _dy = new float[Size * Batch];
        rng.FillUniform(_x, -1, 1);
        rng.FillUniform(_dy, -1, 1);
        _y = new float[Size * Batch];
        _dx = new float[Size * Batch];
        _grad = new float[_w.Nnz];
        // A 1% topology change and its inverse, so every invocation starts from the same structure.
        int k = _w.Nnz / 100;
        _drop = new int[k];
        _growRows = new int[k];
        _growCols = new int[k];
        var taken = new HashSet<long>();
        for (int i = 0; i < k;)
        {
            int r = rng.NextInt(Size), c = rng.NextInt(Size);
            if (_w.IsActive(r, c) || !taken.Add((long)r * Size + c)) continue;
            _growRows[i] = r;
            _growCols[i] = c;
            _drop[i] = i * 100;
            i++;
        }
        _growRowsBack = _drop.Select(_w.RowOf).ToArray();
        _growColsBack = _drop.Select(p => _w.ColumnIndices[p]).ToArray();
        var after = _w.Clone();
        after.ChangeTopology(_drop, _growRows, _growCols);
        _dropBack = Enumerable.Range(0, k).Select(i => after.IndexOf(_growRows[i], _growCols[i])).ToArray();
    }

    [Benchmark]
    public void SpMM() => Csr.SpMM(_w.RowPointers, _w.ColumnIndices, _w.Values, _x, _y, Size, Size, Batch, accumulate: false);

    [Benchmark]
    public void SpMMTransposed() =>
        Csr.SpMMTransposed(_w.ColumnPointers, _w.RowIndices, _w.TransposePermutation, _w.Values, _dy, _dx, Size, Size, Batch, accumulate: false);

    [Benchmark]
    public void Sddmm() => Csr.Sddmm(_w.RowPointers, _w.ColumnIndices, _dy, _x, _grad, Size, Size, Batch, accumulate: false);

    [Benchmark]
    public void SpMMBackward() =>
        Csr.SpMMBackward(_w.ColumnPointers, _w.RowIndices, _w.TransposePermutation, _w.Values, _x, _dy, _dx, _grad, Size, Size, Batch,
            accumulateInput: false, accumulateValues: false);

    [Benchmark]
    public void TopologyChangeAndBack()
    {
        _w.ChangeTopology(_drop, _growRows, _growCols).Remap(_grad);
        _w.ChangeTopology(_dropBack, _growRowsBack, _growColsBack).Remap(_grad);
    }
}
