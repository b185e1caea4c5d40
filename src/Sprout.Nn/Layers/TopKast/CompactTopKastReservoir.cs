// CompactTopKastReservoir: Sprout's option of ALGORITHMS.md §4a. What is kept: θ of every entry that has left B
// (a hash map, since the paper finds only ~5% of the reservoir ever turns on), and a short list of never-touched
// positions in selection order. Never-touched entries still hold their initial value, regenerated from the
// counter-based hash, so their order is static: every entry that ever entered B came from the head of that list,
// and the untouched rest is its tail plus everything ranked after the last listed key. A refresh ranks only
// B ∪ leavers ∪ the next |B| never-touched entries (O(|B| + leavers) time and memory, by quickselect); the list is
// extended by a scan of all positions with a bounded heap (O(out·in·log|B|) time, O(|B|) memory) only when it runs short.
// Buffers grow only with the set of entries that ever left B. Nothing is ever out × in.
using Sprout.Core;
using Sprout.Sparse.Pruning;

namespace Sprout.Nn;

/// <summary>Top-KAST reservoir that stores only touched entries.</summary>
internal sealed class CompactTopKastReservoir : TopKastReservoir
{
    private readonly int _k;
    private readonly Dictionary<long, float> _left = [];
    private long[] _fresh;                  // never-touched positions in selection order; [_cursor, _freshCount) are still untouched
    private int _cursor, _freshCount;
    private ulong _lastKey;                 // the last key scanned into _fresh; every key after it is untouched
    private bool _scanned, _complete;
    private ulong[] _heap;
    private long[] _candidates = [];
    private float[] _values = [], _magnitudes = [], _scratch = [];
    private readonly int[] _picked;

    public CompactTopKastReservoir(long positions, int backwardCount, ulong seed, float bound) : base(positions, seed, bound)
    {
        if (positions > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(positions), positions, "Top-KAST layers are limited to 2³² weights.");
        _k = backwardCount;
        _fresh = new long[3 * backwardCount];
        _heap = new ulong[2 * backwardCount];
        _picked = new int[backwardCount];
    }

    /// <summary>Entries that have left B and are stored (the compact reservoir's size).</summary>
    public int Leavers => _left.Count;

    public override float ValueOutside(long position) => _left.TryGetValue(position, out float v) ? v : InitialValue(position);

    public override void Select(ReadOnlySpan<long> oldB, ReadOnlySpan<float> oldValues, Span<long> newB, Span<float> newValues)
    {
        if (!_complete && _freshCount - _cursor < _k) Refill(2 * _k);
        int fresh = Math.Min(_k, _freshCount - _cursor);
        int n = oldB.Length + _left.Count + fresh;
        Ensure(n);
        int c = 0;
        for (int i = 0; i < oldB.Length; i++) (_candidates[c], _values[c++]) = (oldB[i], oldValues[i]);
        foreach (var (p, v) in _left) (_candidates[c], _values[c++]) = (p, v);
        for (int i = 0; i < fresh; i++)
        {
            long p = _fresh[_cursor + i];
            (_candidates[c], _values[c++]) = (p, InitialValue(p));
        }
        // Position order makes quickselect's index tie-break the dense reservoir's position tie-break.
        Array.Sort(_candidates, _values, 0, n);
        System.Numerics.Tensors.TensorPrimitives.Abs(_values.AsSpan(0, n), _magnitudes.AsSpan(0, n));
        MaskSelection.TopKIndices(_magnitudes.AsSpan(0, n), _k, _scratch, _picked);

        int taken = 0;
        for (int i = 0; i < _k; i++)
        {
            long p = _candidates[_picked[i]];
            (newB[i], newValues[i]) = (p, _values[_picked[i]]);
            if (oldB.BinarySearch(p) < 0 && !_left.Remove(p)) taken++;
        }
        _cursor += taken;   // the untouched entries chosen are a prefix of the list (same order as the selection)
        for (int i = 0, j = 0; i < oldB.Length; i++)
        {
            while (j < _k && newB[j] < oldB[i]) j++;
            if (j >= _k || newB[j] != oldB[i]) _left[oldB[i]] = oldValues[i];
        }
    }

    /// <summary>Selection key: ascending key = |θ₀| descending, then position ascending.</summary>
    private ulong Key(long p) => ((ulong)~BitConverter.SingleToUInt32Bits(MathF.Abs(InitialValue(p))) << 32) | (uint)p;

    /// <summary>Appends the next <paramref name="want"/> untouched positions (after _lastKey) to the list.</summary>
    private void Refill(int want)
    {
        int remaining = _freshCount - _cursor;
        Array.Copy(_fresh, _cursor, _fresh, 0, remaining);
        (_cursor, _freshCount) = (0, remaining);
        if (_fresh.Length < remaining + want) Array.Resize(ref _fresh, remaining + want);
        if (_heap.Length < want) _heap = new ulong[want];
        // A max-heap of the want smallest keys above _lastKey.
        int size = 0;
        for (long p = 0; p < Positions; p++)
        {
            ulong key = Key(p);
            if (_scanned && key <= _lastKey) continue;
            if (size < want) HeapPush(ref size, key);
            else if (key < _heap[0]) HeapReplaceTop(size, key);
        }
        if (size < want) _complete = true;
        // Pop largest first into the tail, so the appended run is ascending.
        int added = size;
        for (int i = added - 1; i >= 0; i--)
        {
            if (i == added - 1) (_lastKey, _scanned) = (_heap[0], true);
            _fresh[remaining + i] = (long)(uint)_heap[0];
            _heap[0] = _heap[--size];
            SiftDown(size);
        }
        _freshCount = remaining + added;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// "reservoir.left_positions" (I64, ascending) and "reservoir.left_values" (F32): θ of entries that left B;
    /// "reservoir.fresh" (I64): the untouched positions listed next; "reservoir.fresh_last_key", "fresh_scanned",
    /// "fresh_complete": where the scan for more stopped.
    /// </remarks>
    public override void SaveState(StateDict state)
    {
        base.SaveState(state);
        var positions = _left.Keys.ToArray();
        Array.Sort(positions);
        var values = new float[positions.Length];
        for (int i = 0; i < positions.Length; i++) values[i] = _left[positions[i]];
        state.Add("left_positions", positions);
        state.Add("left_values", values);
        state.Add("fresh", _fresh.AsSpan(_cursor, _freshCount - _cursor));
        state.AddScalar("fresh_last_key", (long)_lastKey);
        state.AddScalar("fresh_scanned", _scanned ? 1 : 0);
        state.AddScalar("fresh_complete", _complete ? 1 : 0);
    }

    /// <inheritdoc/>
    public override void LoadState(StateDict state)
    {
        base.LoadState(state);
        var positions = state.Longs("left_positions");
        var values = state.Floats("left_values");
        if (positions.Length != values.Length) throw new InvalidDataException($"The compact Top-KAST reservoir has {positions.Length} positions but {values.Length} values.");
        _left.Clear();
        for (int i = 0; i < positions.Length; i++) _left[positions[i]] = values[i];
        var fresh = state.Longs("fresh");
        if (_fresh.Length < fresh.Length) _fresh = new long[fresh.Length + 2 * _k];
        fresh.CopyTo(_fresh, 0);
        (_cursor, _freshCount) = (0, fresh.Length);
        _lastKey = (ulong)state.Scalar("fresh_last_key");
        _scanned = state.Scalar("fresh_scanned") != 0;
        _complete = state.Scalar("fresh_complete") != 0;
    }

    private void HeapPush(ref int size, ulong key)
    {
        int i = size++;
        _heap[i] = key;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (_heap[parent] >= _heap[i]) break;
            (_heap[parent], _heap[i]) = (_heap[i], _heap[parent]);
            i = parent;
        }
    }

    private void HeapReplaceTop(int size, ulong key)
    {
        _heap[0] = key;
        SiftDown(size);
    }

    private void SiftDown(int size)
    {
        int i = 0;
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && _heap[l] > _heap[m]) m = l;
            if (r < size && _heap[r] > _heap[m]) m = r;
            if (m == i) return;
            (_heap[m], _heap[i]) = (_heap[i], _heap[m]);
            i = m;
        }
    }

    private void Ensure(int n)
    {
        if (_candidates.Length >= n) return;
        int size = Math.Max(n, 2 * _candidates.Length);
        (_candidates, _values, _magnitudes, _scratch) = (new long[size], new float[size], new float[size], new float[size]);
    }
}
