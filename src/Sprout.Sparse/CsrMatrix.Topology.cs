// The topology-change primitive every dynamic sparse method ends in: drop some active entries, grow some inactive
// positions (as many, so nnz stays; or a different number when a method moves budget between layers), and report
// the index map (TopologyChange) for optimizer state. Rebuilds the CSR arrays in place by one merge of each row's
// surviving entries with the sorted grow list: O(nnz + rows + k log k) time, and no allocation once the scratch
// buffers have grown, except when nnz grows past the capacity (the entry arrays are then reallocated with slack).
// Deliberately not here: choosing what to drop or grow (scores, schedules), which belongs to the updaters.

namespace Sprout.Sparse;

public sealed partial class CsrMatrix
{
    private int[] _dropMark = [];    // [≥ Nnz] == _dropStamp where the value index is dropped in the current change
    private int _dropStamp;
    private int[] _newColumns = [];  // [≥ new Nnz] column indices being built
    private int[]? _newRowPointers;  // [Rows + 1] row pointers being built
    private long[] _growKeys = [];   // [k] linear indices of the grow list, sorted
    private int[] _growOrder = [];   // [k] list position of each sorted key
    private int[] _grownFrom = [];   // [k] list position of the j-th newly grown entry (for per-entry values)
    private int[] _newSources = [];  // [≥ new Nnz] the next TopologyChange.Sources, swapped in on commit
    private int[] _newGrown = [];    // [k] the next TopologyChange.GrownIndices, swapped in on commit
    private TopologyChange? _change;

    /// <summary>
    /// Drops the entries at value indices <paramref name="drop"/> and activates the positions
    /// (growRows[i], growCols[i]) with value <paramref name="growValue"/>; <see cref="Nnz"/> changes by
    /// growRows.Length − drop.Length (zero for the usual equal lists). Surviving entries keep their values; the
    /// transposed index is rebuilt. If Nnz grows past <see cref="Capacity"/>, the entry arrays (and <see cref="Values"/>)
    /// are reallocated with slack.
    /// A position that is both dropped and grown in the same call stays active with its old value and state
    /// (RigL keeps such weights and their momentum).
    /// </summary>
    /// <returns>The index map for remapping per-nonzero state; owned by this matrix and overwritten by its next change.</returns>
    /// <exception cref="ArgumentException">growRows and growCols differ in length; a drop index is outside [0, Nnz) or repeated;
    /// a grow position is outside the shape, repeated, or already active and not being dropped. On any exception the
    /// matrix is unchanged.</exception>
    public TopologyChange ChangeTopology(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols, float growValue = 0f)
        => Change(drop, growRows, growCols, default, growValue);

    /// <summary>As the other overload, with a per-position initial value growValues[i] for (growRows[i], growCols[i]).</summary>
    /// <exception cref="ArgumentException">As the other overload, or growValues differs in length from the grow lists.</exception>
    public TopologyChange ChangeTopology(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols, ReadOnlySpan<float> growValues)
    {
        if (growValues.Length != growRows.Length)
            throw new ArgumentException($"growValues has {growValues.Length} entries but {growRows.Length} positions are grown.", nameof(growValues));
        return Change(drop, growRows, growCols, growValues, 0f);
    }

    private TopologyChange Change(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols, ReadOnlySpan<float> growValues, float growValue)
    {
        int k = drop.Length, g = growRows.Length;
        if (growCols.Length != g)
            throw new ArgumentException($"growRows has {g} entries but growCols has {growCols.Length}: each grown position needs a row and a column.", nameof(growCols));
        int oldNnz = Nnz, newNnz = oldNnz - k + g;
        EnsureScratch(g, newNnz);
        int stamp = NextStamp();
        int[] mark = _dropMark;
        for (int i = 0; i < k; i++)
        {
            int p = drop[i];
            if ((uint)p >= (uint)Nnz) throw new ArgumentException($"drop[{i}] = {p} is outside [0, Nnz = {Nnz}).", nameof(drop));
            if (mark[p] == stamp) throw new ArgumentException($"drop lists value index {p} twice (second time at drop[{i}]).", nameof(drop));
            mark[p] = stamp;
        }
        for (int i = 0; i < g; i++)
        {
            int r = growRows[i], c = growCols[i];
            if ((uint)r >= (uint)Rows) throw new ArgumentException($"growRows[{i}] = {r} is outside [0, {Rows}).", nameof(growRows));
            if ((uint)c >= (uint)Cols) throw new ArgumentException($"growCols[{i}] = {c} is outside [0, {Cols}).", nameof(growCols));
            _growKeys[i] = (long)r * Cols + c;
            _growOrder[i] = i;
        }
        Array.Sort(_growKeys, _growOrder, 0, g);
        for (int j = 1; j < g; j++)
            if (_growKeys[j] == _growKeys[j - 1])
                throw new ArgumentException($"The grow list repeats position ({_growKeys[j] / Cols}, {_growKeys[j] % Cols}) (growRows/growCols[{Math.Max(_growOrder[j - 1], _growOrder[j])}]).", nameof(growRows));

        int grown = 0, regrown = 0;
        MergeRows(g, newNnz, stamp, ref grown, ref regrown);

        // Everything is validated; commit. The change object swaps in the new maps (so a failed call never
        // corrupts the previous change), and values are remapped in place so the array keeps its identity
        // (unless Nnz outgrew the capacity).
        if (newNnz > Capacity) GrowCapacity(newNnz + newNnz / 8);
        var change = _change ??= new TopologyChange();
        change.Commit(ref _newSources, ref _newGrown, oldNnz, newNnz, grown, regrown, ++Version);
        Nnz = newNnz;
        _newColumns.AsSpan(0, newNnz).CopyTo(_columnIndices);
        _newRowPointers.AsSpan().CopyTo(_rowPointers);
        change.Remap(_values.AsSpan(0, Math.Max(oldNnz, newNnz)), growValue);
        if (!growValues.IsEmpty)
        {
            ReadOnlySpan<int> grownAt = change.GrownIndices;
            for (int j = 0; j < grown; j++) _values[grownAt[j]] = growValues[_grownFrom[j]];
        }
        RebuildTransposedIndex();
        return change;
    }

    /// <summary>Per row: merge surviving old entries with the sorted grow keys of that row into the scratch arrays.</summary>
    private void MergeRows(int k, int newNnz, int stamp, ref int grown, ref int regrown)
    {
        int[] mark = _dropMark, newCols = _newColumns, newPtr = _newRowPointers!, src = _newSources, grownAt = _newGrown;
        int o = 0, g = 0;
        newPtr[0] = 0;
        for (int r = 0; r < Rows; r++)
        {
            int p = _rowPointers[r], end = _rowPointers[r + 1];
            long rowBase = (long)r * Cols, rowEnd = rowBase + Cols;
            while (true)
            {
                bool hasOld = p < end, hasGrow = g < k && _growKeys[g] < rowEnd;
                if (!hasOld && !hasGrow) break;
                int oldCol = hasOld ? _columnIndices[p] : int.MaxValue;
                int growCol = hasGrow ? (int)(_growKeys[g] - rowBase) : int.MaxValue;
                if (oldCol < growCol)
                {
                    if (mark[p] != stamp)
                    {
                        newCols[o] = oldCol;
                        src[o++] = p;
                    }
                    p++;
                }
                else if (growCol < oldCol)
                {
                    newCols[o] = growCol;
                    src[o] = -1;
                    grownAt[grown] = o++;
                    _grownFrom[grown++] = _growOrder[g++];
                }
                else
                {
                    if (mark[p] != stamp)
                        throw new ArgumentException($"Grow position ({r}, {growCol}) (growRows/growCols[{_growOrder[g]}]) is already active (value index {p}) and is not being dropped.", "growRows");
                    newCols[o] = oldCol;
                    src[o++] = p++;
                    g++;
                    regrown++;
                }
            }
            newPtr[r + 1] = o;
        }
        if (o != newNnz) throw new InvalidOperationException($"Topology merge produced {o} entries instead of {newNnz}; this is a bug.");
    }

    /// <summary>Reallocates the entry arrays to <paramref name="capacity"/>, keeping the current entries (at an update only).</summary>
    private void GrowCapacity(int capacity)
    {
        Array.Resize(ref _columnIndices, capacity);
        Array.Resize(ref _values, capacity);
        Array.Resize(ref _rowIndices, capacity);
        Array.Resize(ref _transposePermutation, capacity);
    }

    private void EnsureScratch(int k, int newNnz)
    {
        // Mark by old value index; build up to the new count. Scratch follows the entry arrays' capacity.
        int size = Math.Max(Capacity, newNnz);
        if (_dropMark.Length < Nnz)
        {
            _dropMark = new int[size];
            _dropStamp = 0;
        }
        if (_newColumns.Length < newNnz) _newColumns = new int[size];
        _newRowPointers ??= new int[Rows + 1];
        if (_newSources.Length < newNnz) _newSources = new int[size];
        if (_growKeys.Length < k)
        {
            _growKeys = new long[k];
            _growOrder = new int[k];
            _grownFrom = new int[k];
        }
        if (_newGrown.Length < k) _newGrown = new int[k];
    }

    private int NextStamp()
    {
        if (_dropStamp == int.MaxValue)
        {
            Array.Clear(_dropMark);
            _dropStamp = 0;
        }
        return ++_dropStamp;
    }
}
