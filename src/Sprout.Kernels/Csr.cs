// Sparse (CSR) × dense kernels for always-sparse layers: the forward SpMM, the transposed SpMM for the input
// gradient, and SDDMM (dense·denseᵀ sampled at sparse positions) for the weight gradient and growth scores.
// This file is the public, validating entry of each kernel (plus internal *Trusted twins that check lengths only,
// for CsrMatrix's ops, which validate a structure once per topology version); the loops are in CsrAxpyLoops.cs and
// CsrDotLoops.cs, the reference loops in CsrScalar.cs, threading in CsrWorkers.cs. Spans and explicit
// dimensions only: no Tensor, no autograd, no allocation. It deliberately has no dense fallback: cost is
// always O(nnz·batch).
//
// Layout. Dense activations are feature-major with the batch contiguous: X is [features × batch] row-major,
// so each nonzero touches one contiguous batch row and the batch dimension is what gets vectorised.
// RigL's streaming dense gradient for output rows r0..r1 is dY[r0..r1) · Xᵀ, which is a plain dense product:
// Gemm.Multiply(dy[(r0·batch)..], x, block, m: r1 − r0, n: cols, k: batch, transB: true). No CSR kernel needed.
namespace Sprout.Kernels;

/// <summary>
/// CSR sparse–dense products. W is rows×cols in CSR: <c>rowPointers[rows+1]</c>, <c>columnIndices[nnz]</c>
/// (sorted and unique within a row), <c>values[nnz]</c>. Dense operands are [features × batch] row-major.
/// Every kernel validates its structure (so malformed input throws instead of touching memory out of range),
/// runs in parallel over row ranges balanced by nnz, and gives the same bits whatever the thread count.
/// </summary>
public static partial class Csr
{
    /// <summary>
    /// Below this many multiply-adds (≈ 10 µs on one core) a kernel stays on the calling thread: waking a helper
    /// costs several microseconds, more on a loaded machine.
    /// </summary>
    private const long ParallelWork = 1 << 18;

    /// <summary>
    /// Forward: Y = W·X, i.e. y[r, b] (=|+=) Σ_p values[p]·x[columnIndices[p], b] over p in row r.
    /// Rows of W without nonzeros give zero rows of Y (or leave Y unchanged when accumulating).
    /// </summary>
    /// <param name="rowPointers">[rows + 1]: row r holds value indices rowPointers[r] up to rowPointers[r+1].</param>
    /// <param name="columnIndices">[nnz]: column of each value, in [0, cols).</param>
    /// <param name="values">[nnz]: the weights.</param>
    /// <param name="x">[cols × batch] input, feature-major.</param>
    /// <param name="y">[rows × batch] output; must not overlap <paramref name="x"/>.</param>
    /// <param name="rows">Rows of W (the layer's outputs).</param>
    /// <param name="cols">Columns of W (the layer's inputs).</param>
    /// <param name="batch">Batch length, the contiguous dimension of every dense operand.</param>
    /// <param name="accumulate">When true Y += W·X, otherwise Y is overwritten.</param>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, the row pointers are not a
    /// nondecreasing sequence from 0, or a column index is outside [0, cols).</exception>
    public static unsafe void SpMM(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values,
        ReadOnlySpan<float> x, Span<float> y, int rows, int cols, int batch, bool accumulate)
    {
        // rowPointers [rows+1], columnIndices [nnz], values [nnz]; x [cols × batch]; y [rows × batch].
        CheckBatch(batch);
        int nnz = CheckCompressed(rowPointers, columnIndices, rows, cols, nameof(rowPointers), nameof(columnIndices), nameof(rows), nameof(cols));
        CheckLength(values.Length, nnz, nameof(values), "nnz");
        CheckDense(x.Length, cols, batch, nameof(x), nameof(cols));
        CheckDense(y.Length, rows, batch, nameof(y), nameof(rows));
        if (rows == 0 || batch == 0) return;
        fixed (int* ptr = rowPointers, idx = columnIndices)
        fixed (float* v = values, px = x, py = y)
        {
            var job = new AxpyJob<DirectValues> { Ptr = ptr, Idx = idx, Values = v, Src = px, Dst = py, Major = rows, Batch = batch, Accumulate = accumulate };
            Workers.Run(ref job, PartsFor((long)(nnz + rows) * batch, rows));
        }
    }

    /// <summary>
    /// Forward with the layer's epilogue: y[r, b] = act(Σ_p values[p]·x[columnIndices[p], b] + bias[r]), act = ReLU
    /// (NaN passes through) or the identity. The same bits as <see cref="SpMM"/> followed by <see cref="FeatureBias.Forward"/>,
    /// without that second pass over Y (one read and one write of every output element).
    /// </summary>
    /// <param name="rowPointers">[rows + 1] CSR row pointers of W.</param>
    /// <param name="columnIndices">[nnz] CSR column indices of W, in [0, cols).</param>
    /// <param name="values">[nnz] the weights.</param>
    /// <param name="bias">[rows] one bias per output row, or empty for none.</param>
    /// <param name="x">[cols × batch] input, feature-major.</param>
    /// <param name="y">[rows × batch] output, overwritten; must not overlap <paramref name="x"/>.</param>
    /// <param name="rows">Rows of W (the layer's outputs).</param>
    /// <param name="cols">Columns of W (the layer's inputs).</param>
    /// <param name="batch">Batch length, the contiguous dimension of every dense operand.</param>
    /// <param name="relu">Whether to apply the ReLU after the bias.</param>
    /// <exception cref="ArgumentException">As for <see cref="SpMM"/>, or the bias is neither empty nor at least rows long.</exception>
    public static unsafe void SpMMBias(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int rows, int cols, int batch, bool relu)
    {
        // rowPointers [rows+1], columnIndices [nnz], values [nnz], bias [rows] or []; x [cols × batch]; y [rows × batch].
        CheckCompressed(rowPointers, columnIndices, rows, cols, nameof(rowPointers), nameof(columnIndices), nameof(rows), nameof(cols));
        SpMMBiasTrusted(rowPointers, columnIndices, values, bias, x, y, rows, cols, batch, relu);
    }

    /// <summary>
    /// <see cref="SpMMBias"/> for a structure its caller has already validated (CsrMatrix does, once per topology version):
    /// it checks the lengths but not the O(rows + nnz) pointer order and index ranges, so a malformed structure here
    /// reads out of range. Internal on purpose.
    /// </summary>
    internal static unsafe void SpMMBiasTrusted(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values,
        ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int rows, int cols, int batch, bool relu)
    {
        CheckBatch(batch);
        int nnz = CheckCompressedLengths(rowPointers, columnIndices, rows, cols, nameof(rowPointers), nameof(columnIndices), nameof(rows), nameof(cols));
        CheckLength(values.Length, nnz, nameof(values), "nnz");
        if (!bias.IsEmpty) CheckLength(bias.Length, rows, nameof(bias), "rows (or 0 for no bias)");
        CheckDense(x.Length, cols, batch, nameof(x), nameof(cols));
        CheckDense(y.Length, rows, batch, nameof(y), nameof(rows));
        if (rows == 0 || batch == 0) return;
        fixed (int* ptr = rowPointers, idx = columnIndices)
        fixed (float* v = values, pb = bias, px = x, py = y)
        {
            var job = new AxpyJob<DirectValues>
            {
                Ptr = ptr, Idx = idx, Values = v, Src = px, Dst = py, Bias = bias.IsEmpty ? null : pb, Relu = relu,
                Major = rows, Batch = batch, Accumulate = false,
            };
            Workers.Run(ref job, PartsFor((long)(nnz + rows) * batch, rows));
        }
    }

    /// <summary>
    /// Input gradient: dX = Wᵀ·dY, i.e. dx[c, b] (=|+=) Σ values[permutation[q]]·dy[rowIndices[q], b] over q in column c,
    /// through the transposed (CSC) index that <see cref="BuildTransposedIndex"/> produces. Each thread owns whole
    /// rows of dX, so there are no atomics and the result does not depend on the thread count.
    /// </summary>
    /// <param name="columnPointers">[cols + 1]: column c holds positions columnPointers[c] up to columnPointers[c+1].</param>
    /// <param name="rowIndices">[nnz]: row of each position, in [0, rows).</param>
    /// <param name="permutation">[nnz]: index into <paramref name="values"/> of each position, in [0, nnz).</param>
    /// <param name="values">[nnz]: the weights in CSR order.</param>
    /// <param name="dy">[rows × batch] output gradient.</param>
    /// <param name="dx">[cols × batch] input gradient; must not overlap <paramref name="dy"/>.</param>
    /// <param name="rows">Rows of W (the layer's outputs).</param>
    /// <param name="cols">Columns of W (the layer's inputs).</param>
    /// <param name="batch">Batch length, the contiguous dimension of every dense operand.</param>
    /// <param name="accumulate">When true dX += Wᵀ·dY (the usual backward contract), otherwise dX is overwritten.</param>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, the column pointers are not a
    /// nondecreasing sequence from 0, or a row index or permutation entry is out of range.</exception>
    public static unsafe void SpMMTransposed(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
        ReadOnlySpan<float> values, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols, int batch, bool accumulate)
    {
        // columnPointers [cols+1], rowIndices [nnz], permutation [nnz], values [nnz]; dy [rows × batch]; dx [cols × batch].
        CheckTransposed(columnPointers, rowIndices, permutation, rows, cols);
        SpMMTransposedTrusted(columnPointers, rowIndices, permutation, values, dy, dx, rows, cols, batch, accumulate);
    }

    /// <summary><see cref="SpMMTransposed"/> for an already validated structure (see <see cref="SpMMBackwardTrusted"/>).</summary>
    internal static unsafe void SpMMTransposedTrusted(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
        ReadOnlySpan<float> values, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols, int batch, bool accumulate)
    {
        CheckBatch(batch);
        int nnz = CheckCompressedLengths(columnPointers, rowIndices, cols, rows, nameof(columnPointers), nameof(rowIndices), nameof(cols), nameof(rows));
        CheckLength(permutation.Length, nnz, nameof(permutation), "nnz");
        CheckLength(values.Length, nnz, nameof(values), "nnz");
        CheckDense(dy.Length, rows, batch, nameof(dy), nameof(rows));
        CheckDense(dx.Length, cols, batch, nameof(dx), nameof(cols));
        if (cols == 0 || batch == 0) return;
        fixed (int* ptr = columnPointers, idx = rowIndices, perm = permutation)
        fixed (float* v = values, pdy = dy, pdx = dx)
        {
            var job = new AxpyJob<PermutedValues> { Ptr = ptr, Idx = idx, Perm = perm, Values = v, Src = pdy, Dst = pdx, Major = cols, Batch = batch, Accumulate = accumulate };
            Workers.Run(ref job, PartsFor((long)(nnz + cols) * batch, cols));
        }
    }

    /// <summary>
    /// Both gradients of Y = W·X in one pass over the transposed (CSC) index:
    /// dx[c, b] (=|+=) Σ values[p]·dy[r, b] and dValues[p] (=|+=) Σ_b dy[r, b]·x[c, b] for every nonzero p = (r, c).
    /// Equal to <see cref="SpMMTransposed"/> plus <see cref="Sddmm"/>, but each dy row is read once for both
    /// (the kernels are bound by those reads), so it is the one to use when both gradients are needed.
    /// Each thread owns whole columns: their dx rows and their nonzeros' gradients.
    /// </summary>
    /// <param name="columnPointers">[cols + 1] CSC column pointers (see <see cref="BuildTransposedIndex"/>).</param>
    /// <param name="rowIndices">[nnz] row of each CSC position, in [0, rows).</param>
    /// <param name="permutation">[nnz] value index of each CSC position; must be a permutation of [0, nnz).</param>
    /// <param name="values">[nnz] the weights in CSR order.</param>
    /// <param name="x">[cols × batch] the layer input of the forward pass.</param>
    /// <param name="dy">[rows × batch] output gradient.</param>
    /// <param name="dx">[cols × batch] input gradient; must not overlap the inputs.</param>
    /// <param name="dValues">[nnz] gradient of the values, in CSR order.</param>
    /// <param name="rows">Rows of W (the layer's outputs).</param>
    /// <param name="cols">Columns of W (the layer's inputs).</param>
    /// <param name="batch">Batch length, the contiguous dimension of every dense operand.</param>
    /// <param name="accumulateInput">When true dX += Wᵀ·dY, otherwise dX is overwritten.</param>
    /// <param name="accumulateValues">When true dValues is added to, otherwise overwritten.</param>
    /// <exception cref="ArgumentException">As for <see cref="SpMMTransposed"/>, or x or dValues is too short.</exception>
    public static unsafe void SpMMBackward(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
        ReadOnlySpan<float> values, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dValues,
        int rows, int cols, int batch, bool accumulateInput, bool accumulateValues)
    {
        // columnPointers [cols+1], rowIndices [nnz], permutation [nnz], values [nnz]; x [cols × batch]; dy [rows × batch];
        // dx [cols × batch]; dValues [nnz].
        CheckTransposed(columnPointers, rowIndices, permutation, rows, cols);
        SpMMBackwardTrusted(columnPointers, rowIndices, permutation, values, x, dy, dx, dValues, rows, cols, batch, accumulateInput, accumulateValues);
    }

    /// <summary>
    /// <see cref="SpMMBackward"/> for a structure its caller has already validated (CsrMatrix does, once per topology
    /// version): lengths are checked, index ranges and pointer order are not. Internal on purpose.
    /// </summary>
    internal static unsafe void SpMMBackwardTrusted(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
        ReadOnlySpan<float> values, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dValues,
        int rows, int cols, int batch, bool accumulateInput, bool accumulateValues)
    {
        CheckBatch(batch);
        int nnz = CheckCompressedLengths(columnPointers, rowIndices, cols, rows, nameof(columnPointers), nameof(rowIndices), nameof(cols), nameof(rows));
        CheckLength(permutation.Length, nnz, nameof(permutation), "nnz");
        CheckLength(values.Length, nnz, nameof(values), "nnz");
        CheckLength(dValues.Length, nnz, nameof(dValues), "nnz");
        CheckDense(x.Length, cols, batch, nameof(x), nameof(cols));
        CheckDense(dy.Length, rows, batch, nameof(dy), nameof(rows));
        CheckDense(dx.Length, cols, batch, nameof(dx), nameof(cols));
        if (batch == 0)
        {
            if (!accumulateValues) dValues[..nnz].Clear();
            return;
        }
        if (cols == 0) return;
        fixed (int* ptr = columnPointers, idx = rowIndices, perm = permutation)
        fixed (float* v = values, px = x, pdy = dy, pdx = dx, pdv = dValues)
        {
            var job = new BackwardJob
            {
                Ptr = ptr, Idx = idx, Perm = perm, Values = v, X = px, Dy = pdy, Dx = pdx, DValues = pdv,
                Cols = cols, Batch = batch, AccumulateDx = accumulateInput, AccumulateDw = accumulateValues,
            };
            Workers.Run(ref job, PartsFor((long)(2 * nnz + cols) * batch, cols));
        }
    }

    /// <summary>
    /// Weight gradient at the active positions (SDDMM): values[p] (=|+=) Σ_b dy[r, b]·x[columnIndices[p], b]
    /// for every nonzero p of row r. This is (dY·Xᵀ) sampled at W's pattern, never forming the dense product.
    /// </summary>
    /// <param name="rowPointers">[rows + 1] CSR row pointers of W.</param>
    /// <param name="columnIndices">[nnz] CSR column indices of W, in [0, cols).</param>
    /// <param name="dy">[rows × batch] output gradient.</param>
    /// <param name="x">[cols × batch] layer input.</param>
    /// <param name="values">[nnz] gradient of W's values (aligned with <paramref name="columnIndices"/>).</param>
    /// <param name="rows">Rows of W (the layer's outputs).</param>
    /// <param name="cols">Columns of W (the layer's inputs).</param>
    /// <param name="batch">Batch length, the contiguous dimension of every dense operand.</param>
    /// <param name="accumulate">When true the gradient is added, otherwise overwritten.</param>
    /// <exception cref="ArgumentException">As for <see cref="SpMM"/>.</exception>
    public static unsafe void Sddmm(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, Span<float> values, int rows, int cols, int batch, bool accumulate)
    {
        // rowPointers [rows+1], columnIndices [nnz]; dy [rows × batch]; x [cols × batch]; values [nnz].
        CheckCompressed(rowPointers, columnIndices, rows, cols, nameof(rowPointers), nameof(columnIndices), nameof(rows), nameof(cols));
        SddmmTrusted(rowPointers, columnIndices, dy, x, values, rows, cols, batch, accumulate);
    }

    /// <summary><see cref="Sddmm"/> for an already validated structure (see <see cref="SpMMBiasTrusted"/>).</summary>
    internal static unsafe void SddmmTrusted(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, Span<float> values, int rows, int cols, int batch, bool accumulate)
    {
        CheckBatch(batch);
        int nnz = CheckCompressedLengths(rowPointers, columnIndices, rows, cols, nameof(rowPointers), nameof(columnIndices), nameof(rows), nameof(cols));
        CheckLength(values.Length, nnz, nameof(values), "nnz");
        CheckDense(dy.Length, rows, batch, nameof(dy), nameof(rows));
        CheckDense(x.Length, cols, batch, nameof(x), nameof(cols));
        if (nnz == 0) return;
        if (batch == 0)
        {
            if (!accumulate) values[..nnz].Clear();
            return;
        }
        fixed (int* ptr = rowPointers, idx = columnIndices)
        fixed (float* pdy = dy, px = x, v = values)
        {
            var job = new DotRowsJob { Ptr = ptr, Idx = idx, Dy = pdy, X = px, Out = v, Rows = rows, Batch = batch, Accumulate = accumulate };
            Workers.Run(ref job, PartsFor((long)nnz * batch, rows));
        }
    }

    /// <summary>
    /// SDDMM at an arbitrary list of positions (growth scores for GSE/RigL):
    /// output[q] (=|+=) Σ_b dy[rowIndices[q], b]·x[columnIndices[q], b]. Positions may repeat and need not be sorted;
    /// grouping them by row helps the cache.
    /// </summary>
    /// <param name="rowIndices">[k] rows, in [0, rows).</param>
    /// <param name="columnIndices">[k] columns, in [0, cols).</param>
    /// <param name="dy">[rows × batch] output gradient.</param>
    /// <param name="x">[cols × batch] layer input.</param>
    /// <param name="output">[k] the dense-gradient entry at each position.</param>
    /// <param name="rows">Rows of W (the layer's outputs).</param>
    /// <param name="cols">Columns of W (the layer's inputs).</param>
    /// <param name="batch">Batch length, the contiguous dimension of every dense operand.</param>
    /// <param name="accumulate">When true the dot products are added (e.g. summed over several probe batches).</param>
    /// <exception cref="ArgumentException">The index lists differ in length, an index is out of range, or a span is too short.</exception>
    public static unsafe void SddmmAt(ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> x, Span<float> output, int rows, int cols, int batch, bool accumulate)
    {
        // rowIndices [k], columnIndices [k]; dy [rows × batch]; x [cols × batch]; output [k].
        CheckBatch(batch);
        if (rows < 0 || cols < 0) throw new ArgumentException($"rows and cols must be non-negative, were {rows} and {cols}.");
        int k = rowIndices.Length;
        if (columnIndices.Length != k)
            throw new ArgumentException($"rowIndices has {k} entries but columnIndices has {columnIndices.Length}.", nameof(columnIndices));
        CheckLength(output.Length, k, nameof(output), "the number of positions");
        CheckIndices(rowIndices, rows, nameof(rowIndices), nameof(rows));
        CheckIndices(columnIndices, cols, nameof(columnIndices), nameof(cols));
        CheckDense(dy.Length, rows, batch, nameof(dy), nameof(rows));
        CheckDense(x.Length, cols, batch, nameof(x), nameof(cols));
        if (k == 0) return;
        if (batch == 0)
        {
            if (!accumulate) output[..k].Clear();
            return;
        }
        fixed (int* ri = rowIndices, ci = columnIndices)
        fixed (float* pdy = dy, px = x, o = output)
        {
            var job = new DotPairsJob { RowIdx = ri, ColIdx = ci, Dy = pdy, X = px, Out = o, Count = k, Batch = batch, Accumulate = accumulate };
            Workers.Run(ref job, PartsFor((long)k * batch, k));
        }
    }

    /// <summary>
    /// Builds the transposed (CSC) index of a CSR structure by a counting sort, O(nnz + rows + cols):
    /// column c's positions are columnPointers[c] up to columnPointers[c+1], in increasing row order;
    /// rowIndices[q] is the row and permutation[q] the CSR value index of position q.
    /// </summary>
    /// <param name="rowPointers">[rows + 1] CSR row pointers.</param>
    /// <param name="columnIndices">[nnz] CSR column indices, in [0, cols).</param>
    /// <param name="rows">Rows of the CSR matrix.</param>
    /// <param name="cols">Columns of the CSR matrix.</param>
    /// <param name="columnPointers">[cols + 1] output.</param>
    /// <param name="rowIndices">[nnz] output.</param>
    /// <param name="permutation">[nnz] output.</param>
    /// <exception cref="ArgumentException">The CSR structure is malformed or an output is too short.</exception>
    public static void BuildTransposedIndex(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, int rows, int cols,
        Span<int> columnPointers, Span<int> rowIndices, Span<int> permutation)
    {
        // rowPointers [rows+1], columnIndices [nnz] → columnPointers [cols+1], rowIndices [nnz], permutation [nnz].
        int nnz = CheckCompressed(rowPointers, columnIndices, rows, cols, nameof(rowPointers), nameof(columnIndices), nameof(rows), nameof(cols));
        CheckLength(columnPointers.Length, cols + 1, nameof(columnPointers), "cols + 1");
        CheckLength(rowIndices.Length, nnz, nameof(rowIndices), "nnz");
        CheckLength(permutation.Length, nnz, nameof(permutation), "nnz");
        Span<int> cp = columnPointers[..(cols + 1)];
        cp.Clear();
        for (int p = 0; p < nnz; p++) cp[columnIndices[p] + 1]++;
        for (int c = 0; c < cols; c++) cp[c + 1] += cp[c];
        // cp[c] is column c's start; used as its fill cursor it ends at column c's end, hence the shift below.
        for (int r = 0; r < rows; r++)
            for (int p = rowPointers[r], end = rowPointers[r + 1]; p < end; p++)
            {
                int q = cp[columnIndices[p]]++;
                rowIndices[q] = r;
                permutation[q] = p;
            }
        for (int c = cols; c > 0; c--) cp[c] = cp[c - 1];
        cp[0] = 0;
    }

    private static int PartsFor(long work, int major) =>
        work < ParallelWork || Workers.Threads == 1 ? 1 : Math.Max(1, Math.Min(major, Workers.Threads * 4));

    /// <summary>First major index of share <paramref name="part"/>, balancing nnz + one unit per row (empty rows cost too).</summary>
    private static unsafe int SplitPoint(int* ptr, int major, int part, int parts)
    {
        if (part <= 0) return 0;
        if (part >= parts) return major;
        long target = ((long)ptr[major] + major) * part / parts;
        int lo = 0, hi = major;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if ((long)ptr[mid] + mid < target) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private unsafe struct AxpyJob<TMap> : IJob where TMap : struct, IValueMap
    {
        public int* Ptr, Idx, Perm;
        public float* Values, Src, Dst, Bias; // Bias: null for none
        public int Major, Batch;
        public bool Accumulate, Relu;

        public readonly void Execute(int part, int parts)
        {
            int r0 = SplitPoint(Ptr, Major, part, parts), r1 = SplitPoint(Ptr, Major, part + 1, parts);
            if (r0 < r1) AxpyWidths<TMap>(Ptr, Idx, Perm, Values, Src, Dst, r0, r1, Batch, Accumulate, new Epilogue(Bias, Relu));
        }
    }

    private unsafe struct BackwardJob : IJob
    {
        public int* Ptr, Idx, Perm;
        public float* Values, X, Dy, Dx, DValues;
        public int Cols, Batch;
        public bool AccumulateDx, AccumulateDw;

        public readonly void Execute(int part, int parts)
        {
            int c0 = SplitPoint(Ptr, Cols, part, parts), c1 = SplitPoint(Ptr, Cols, part + 1, parts);
            if (c0 < c1) BackwardWidths(Ptr, Idx, Perm, Values, X, Dy, Dx, DValues, c0, c1, Batch, AccumulateDx, AccumulateDw);
        }
    }

    private unsafe struct DotRowsJob : IJob
    {
        public int* Ptr, Idx;
        public float* Dy, X, Out;
        public int Rows, Batch;
        public bool Accumulate;

        public readonly void Execute(int part, int parts)
        {
            int r0 = SplitPoint(Ptr, Rows, part, parts), r1 = SplitPoint(Ptr, Rows, part + 1, parts);
            if (r0 < r1) DotRowsWidths(Ptr, Idx, Dy, X, Out, r0, r1, Batch, Accumulate);
        }
    }

    private unsafe struct DotPairsJob : IJob
    {
        public int* RowIdx, ColIdx;
        public float* Dy, X, Out;
        public int Count, Batch;
        public bool Accumulate;

        public readonly void Execute(int part, int parts)
        {
            int q0 = Parallelism.ShareStart(Count, part, parts), q1 = Parallelism.ShareStart(Count, part + 1, parts);
            if (q0 < q1) DotPairsWidths(RowIdx, ColIdx, Dy, X, Out, q0, q1, Batch, Accumulate);
        }
    }
}
