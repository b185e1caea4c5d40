// CsrMatrix: the storage of one always-sparse weight matrix. Compressed sparse rows plus a transposed (CSC)
// index over the same values. The nonzero count is fixed unless a topology change drops and grows different
// numbers of entries (budget moved between layers); the entry arrays have a capacity ≥ Nnz and are reused in
// place, so moving connections around allocates nothing, and only an nnz growth past the capacity reallocates.
// This file: fields and their invariants, queries, the invariant check. Construction is in
// CsrMatrix.Construction.cs, topology changes in CsrMatrix.Topology.cs.
// Deliberately not here: autograd, optimizers and drop/grow criteria (they use this type, it knows none of them),
// and any dense n_out×n_in buffer (ToDense exists for tests only and refuses large shapes).
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>
/// A rows×cols float matrix in CSR form with <see cref="Nnz"/> stored entries and a transposed index kept in sync
/// after every structural change. Values are mutable in place; the structure (and Nnz) changes only through <see cref="ChangeTopology(ReadOnlySpan{int}, ReadOnlySpan{int}, ReadOnlySpan{int}, float)"/>.
/// Not thread-safe for concurrent structural changes.
/// </summary>
public sealed partial class CsrMatrix
{
    /// <summary>[Rows + 1]. Invariant: [0] = 0, nondecreasing, [Rows] = Nnz; row r owns value indices [r] up to [r+1].</summary>
    private readonly int[] _rowPointers;

    /// <summary>[Capacity]; the first Nnz: each in [0, Cols), strictly increasing within each row (sorted, no duplicates).</summary>
    private int[] _columnIndices;

    /// <summary>[Capacity]; the first Nnz: the value of entry p, at (row of p, _columnIndices[p]). Reallocated only when Nnz outgrows Capacity.</summary>
    private float[] _values;

    /// <summary>[Cols + 1]. Invariant: [0] = 0, nondecreasing, [Cols] = Nnz; column c owns CSC positions [c] up to [c+1].</summary>
    private readonly int[] _columnPointers;

    /// <summary>[Capacity]; the first Nnz: row of CSC position q, strictly increasing within each column.</summary>
    private int[] _rowIndices;

    /// <summary>[Capacity]; the first Nnz: value index of CSC position q (_columnIndices[perm[q]] is q's column, perm[q] lies in row _rowIndices[q]).</summary>
    private int[] _transposePermutation;

    private CsrMatrix(int rows, int cols, int[] rowPointers, int[] columnIndices, float[] values)
    {
        Rows = rows;
        Cols = cols;
        Nnz = columnIndices.Length;
        _rowPointers = rowPointers;
        _columnIndices = columnIndices;
        _values = values;
        _columnPointers = new int[cols + 1];
        _rowIndices = new int[Nnz];
        _transposePermutation = new int[Nnz];
        RebuildTransposedIndex();
    }

    /// <summary>Number of rows (a layer's outputs).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (a layer's inputs).</summary>
    public int Cols { get; }

    /// <summary>Number of stored entries; changes only when a topology change drops and grows different numbers.</summary>
    public int Nnz { get; private set; }

    /// <summary>Length of the entry arrays (≥ Nnz): Nnz can grow up to it without reallocation. Equal to Nnz until Nnz first changes.</summary>
    public int Capacity => _columnIndices.Length;

    /// <summary>Rows·Cols as a long (a 100,000×100,000 matrix has 1e10 positions).</summary>
    public long Positions => (long)Rows * Cols;

    /// <summary>Nnz / (Rows·Cols); 0 for an empty shape.</summary>
    public double Density => Positions == 0 ? 0 : (double)Nnz / Positions;

    /// <summary>1 − <see cref="Density"/>.</summary>
    public double Sparsity => 1 - Density;

    /// <summary>Incremented by every structural change; lets holders of per-nnz state detect a missed remap.</summary>
    public int Version { get; private set; }

    /// <summary>The <see cref="Version"/> whose structure <see cref="CheckForKernels"/> last validated (−1: none yet).</summary>
    private int _kernelCheckedVersion = -1;

    /// <summary>
    /// Validates the CSR and CSC index arrays as the CSR kernels would (pointer order, index ranges, permutation range),
    /// once per <see cref="Version"/>: every change of the structure bumps the version, so afterwards the ops may call the
    /// kernels' trusted entries (Csr.*Trusted), which skip those O(rows + nnz) reads on every call.
    /// </summary>
    /// <exception cref="ArgumentException">The structure is malformed (a bug in whatever built it).</exception>
    internal void CheckForKernels()
    {
        if (_kernelCheckedVersion == Version) return;
        if (_rowPointers[Rows] != Nnz) throw new ArgumentException($"RowPointers[{Rows}] is {_rowPointers[Rows]} but Nnz is {Nnz}; the structure is inconsistent.");
        Csr.CheckCompressed(RowPointers, ColumnIndices, Rows, Cols, nameof(RowPointers), nameof(ColumnIndices), nameof(Rows), nameof(Cols));
        Csr.CheckTransposed(ColumnPointers, RowIndices, TransposePermutation, Rows, Cols);
        _kernelCheckedVersion = Version;
    }

    /// <summary>[Rows + 1] CSR row pointers: row r owns value indices RowPointers[r] up to RowPointers[r+1].</summary>
    public ReadOnlySpan<int> RowPointers => _rowPointers;

    /// <summary>[Nnz] column of each value, sorted and unique within each row.</summary>
    public ReadOnlySpan<int> ColumnIndices => _columnIndices.AsSpan(0, Nnz);

    /// <summary>
    /// The value array, aligned with <see cref="ColumnIndices"/>: its first Nnz elements are the values, and its length is
    /// <see cref="Capacity"/> (equal to Nnz while Nnz has never changed). It backs a parameter tensor, so it keeps its
    /// identity across topology changes, except when Nnz grows past Capacity (the holder then re-wraps it).
    /// </summary>
    public float[] Values => _values;

    /// <summary>[Cols + 1] CSC column pointers of the transposed index.</summary>
    public ReadOnlySpan<int> ColumnPointers => _columnPointers;

    /// <summary>[Nnz] row of each CSC position, increasing within each column.</summary>
    public ReadOnlySpan<int> RowIndices => _rowIndices.AsSpan(0, Nnz);

    /// <summary>[Nnz] value index (into <see cref="Values"/>) of each CSC position.</summary>
    public ReadOnlySpan<int> TransposePermutation => _transposePermutation.AsSpan(0, Nnz);

    /// <summary>Number of stored entries in row <paramref name="row"/>.</summary>
    public int RowLength(int row)
    {
        CheckRow(row);
        return _rowPointers[row + 1] - _rowPointers[row];
    }

    /// <summary>Value index of entry (row, col), or −1 when that position is inactive. O(log row length).</summary>
    /// <exception cref="ArgumentOutOfRangeException">row or col is outside the shape.</exception>
    public int IndexOf(int row, int col)
    {
        CheckRow(row);
        if ((uint)col >= (uint)Cols) throw new ArgumentOutOfRangeException(nameof(col), col, $"Column must be in [0, {Cols}).");
        int start = _rowPointers[row];
        int i = _columnIndices.AsSpan(start, _rowPointers[row + 1] - start).BinarySearch(col);
        return i >= 0 ? start + i : -1;
    }

    /// <summary>True when (row, col) is a stored entry. O(log row length).</summary>
    public bool IsActive(int row, int col) => IndexOf(row, col) >= 0;

    /// <summary>Row of value index <paramref name="valueIndex"/> (binary search over the row pointers).</summary>
    public int RowOf(int valueIndex)
    {
        if ((uint)valueIndex >= (uint)Nnz) throw new ArgumentOutOfRangeException(nameof(valueIndex), valueIndex, $"Must be in [0, {Nnz}).");
        // The last row whose start is ≤ valueIndex and which is non-empty: upper bound minus one.
        int lo = 0, hi = Rows;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (_rowPointers[mid + 1] <= valueIndex) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// Writes the row of every value index: destination[p] = row of entry p (the CSR row pointers expanded), O(nnz).
    /// With <see cref="ColumnIndices"/> this gives every entry's (row, col), e.g. for <see cref="Csr.SddmmAt"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than Nnz.</exception>
    public void CopyRowsTo(Span<int> destination)
    {
        if (destination.Length < Nnz) throw new ArgumentException($"destination holds {destination.Length} elements, needs Nnz = {Nnz}.", nameof(destination));
        for (int r = 0; r < Rows; r++) destination[_rowPointers[r].._rowPointers[r + 1]].Fill(r);
    }

    /// <summary>Linear index row·Cols + col of value index p, the key samplers use for active-set lookups.</summary>
    public long LinearIndexOf(int valueIndex) => (long)RowOf(valueIndex) * Cols + _columnIndices[valueIndex];

    /// <summary>
    /// Clears <paramref name="set"/> and fills it with the linear index row·Cols + col of every active entry.
    /// Reusing one set across updates avoids allocation once its capacity has grown to Nnz.
    /// </summary>
    public void CopyActiveTo(HashSet<long> set)
    {
        ArgumentNullException.ThrowIfNull(set);
        set.Clear();
        set.EnsureCapacity(Nnz);
        for (int r = 0; r < Rows; r++)
        {
            long rowBase = (long)r * Cols;
            for (int p = _rowPointers[r]; p < _rowPointers[r + 1]; p++) set.Add(rowBase + _columnIndices[p]);
        }
    }

    /// <summary>
    /// Writes every inactive position, row-major, into <paramref name="rows"/> and <paramref name="cols"/>; returns how many.
    /// O(Rows·Cols): for small or nearly dense layers only (growth methods enumerate when sampling would cost more).
    /// </summary>
    /// <exception cref="ArgumentException">The spans hold fewer than Positions − Nnz entries.</exception>
    public int CopyInactiveTo(Span<int> rows, Span<int> cols)
    {
        long inactive = Positions - Nnz;
        if (rows.Length < inactive || cols.Length < inactive)
            throw new ArgumentException($"Enumerating the {inactive} inactive positions needs spans of that length; got {rows.Length} and {cols.Length}.");
        int m = 0;
        for (int r = 0; r < Rows; r++)
        {
            int p = _rowPointers[r], end = _rowPointers[r + 1];
            for (int c = 0; c < Cols; c++)
            {
                if (p < end && _columnIndices[p] == c)
                {
                    p++;
                    continue;
                }
                rows[m] = r;
                cols[m++] = c;
            }
        }
        return m;
    }

    /// <summary>A new set of the active entries' linear indices (see <see cref="CopyActiveTo"/>).</summary>
    public HashSet<long> ActiveSet()
    {
        var set = new HashSet<long>(Nnz);
        CopyActiveTo(set);
        return set;
    }

    /// <summary>The dense rows×cols row-major matrix, for tests and debugging only.</summary>
    /// <exception cref="InvalidOperationException">Rows·Cols exceeds <paramref name="maxElements"/> (default 16M, i.e. 64 MB).</exception>
    public float[] ToDense(long maxElements = 1 << 24)
    {
        if (Positions > maxElements)
            throw new InvalidOperationException($"ToDense of a {Rows}×{Cols} matrix ({Positions} elements) exceeds the guard of {maxElements}; it is meant for small test matrices.");
        var dense = new float[Positions];
        for (int r = 0; r < Rows; r++)
            for (int p = _rowPointers[r]; p < _rowPointers[r + 1]; p++) dense[(long)r * Cols + _columnIndices[p]] = _values[p];
        return dense;
    }

    /// <summary>A deep copy (structure, values and transposed index) with its own scratch buffers.</summary>
    public CsrMatrix Clone() => new(Rows, Cols, (int[])_rowPointers.Clone(), _columnIndices.AsSpan(0, Nnz).ToArray(), _values.AsSpan(0, Nnz).ToArray());

    /// <summary>
    /// Verifies every structural invariant of both the CSR arrays and the transposed index, in O(rows + cols + nnz).
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant is violated; the message names the array, index and values.</exception>
    public void CheckInvariants()
    {
        if (_rowPointers.Length != Rows + 1) Fail($"RowPointers has {_rowPointers.Length} entries, expected Rows + 1 = {Rows + 1}.");
        if (Capacity < Nnz || _values.Length != Capacity || _rowIndices.Length != Capacity || _transposePermutation.Length != Capacity)
            Fail($"The entry arrays must all have one length ≥ Nnz = {Nnz} (values {_values.Length}, columns {_columnIndices.Length}, rows {_rowIndices.Length}, permutation {_transposePermutation.Length}).");
        if (_rowPointers[0] != 0) Fail($"RowPointers[0] is {_rowPointers[0]}, expected 0.");
        if (_rowPointers[Rows] != Nnz) Fail($"RowPointers[{Rows}] is {_rowPointers[Rows]}, expected Nnz = {Nnz}.");
        // Pointers first (monotone from 0 to Nnz keeps every later index in range), then the entries.
        for (int r = 0; r < Rows; r++)
            if (_rowPointers[r + 1] < _rowPointers[r])
                Fail($"RowPointers decreases at row {r}: [{r}] = {_rowPointers[r]} > [{r + 1}] = {_rowPointers[r + 1]}.");
        for (int r = 0; r < Rows; r++)
        {
            int start = _rowPointers[r], end = _rowPointers[r + 1];
            for (int p = start; p < end; p++)
            {
                int c = _columnIndices[p];
                if ((uint)c >= (uint)Cols) Fail($"ColumnIndices[{p}] (row {r}) is {c}, outside [0, {Cols}).");
                if (p > start && c <= _columnIndices[p - 1])
                    Fail($"Row {r} is not strictly increasing: ColumnIndices[{p - 1}] = {_columnIndices[p - 1]}, ColumnIndices[{p}] = {c}.");
            }
        }
        if (_columnPointers.Length != Cols + 1) Fail($"ColumnPointers has {_columnPointers.Length} entries, expected Cols + 1 = {Cols + 1}.");
        if (_columnPointers[0] != 0) Fail($"ColumnPointers[0] is {_columnPointers[0]}, expected 0.");
        if (_columnPointers[Cols] != Nnz) Fail($"ColumnPointers[{Cols}] is {_columnPointers[Cols]}, expected Nnz = {Nnz}.");
        for (int c = 0; c < Cols; c++)
            if (_columnPointers[c + 1] < _columnPointers[c])
                Fail($"ColumnPointers decreases at column {c}: [{c}] = {_columnPointers[c]} > [{c + 1}] = {_columnPointers[c + 1]}.");
        for (int c = 0; c < Cols; c++)
        {
            int start = _columnPointers[c], end = _columnPointers[c + 1];
            for (int q = start; q < end; q++)
            {
                int r = _rowIndices[q], p = _transposePermutation[q];
                if ((uint)r >= (uint)Rows) Fail($"RowIndices[{q}] (column {c}) is {r}, outside [0, {Rows}).");
                if (q > start && r <= _rowIndices[q - 1])
                    Fail($"Column {c} of the transposed index is not strictly increasing: RowIndices[{q - 1}] = {_rowIndices[q - 1]}, RowIndices[{q}] = {r}.");
                // Entry p must be (r, c) in the CSR arrays; with rows unique per column this makes perm a bijection.
                if (p < _rowPointers[r] || p >= _rowPointers[r + 1] || _columnIndices[p] != c)
                    Fail($"Transposed index out of sync: position {q} claims ({r}, {c}) is value {p}, but value {p} is not in row {r} with column {c}.");
            }
        }
    }

    private static void Fail(string message) => throw new InvalidOperationException("CsrMatrix invariant violated: " + message);

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
    }

    private void RebuildTransposedIndex() =>
        Csr.BuildTransposedIndex(_rowPointers, _columnIndices, Rows, Cols, _columnPointers, _rowIndices, _transposePermutation);
}
