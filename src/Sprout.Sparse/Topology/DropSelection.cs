// DropSelection: which active entries a topology update drops: the k lowest keep-scores of one layer, or over all
// layers for global scope (ties go to the earlier layer, then the lower value index). Only that set is needed, so it
// is found by quickselect (MaskSelection.TopKIndices, O(n) expected) instead of sorting every active entry; then only
// the k picked are sorted by (score, index), because LayerPlan.CancelDrops cancels the highest keep-scores first. The
// drop list is therefore the head of a full sort, entry for entry.
// Contract for NaN (diverged weights): a NaN keep-score is the lowest possible, below −∞, so it is dropped before any
// number, and NaNs tie among themselves (earlier layer, then lower value index), in both scopes. Selection and sort
// run on ScoreKeys, which encode exactly this order (float.CompareTo's), so NaN needs no path of its own.
using Sprout.Sparse.Pruning;

namespace Sprout.Sparse.Topology;

/// <summary>Fills each <see cref="LayerPlan"/>'s drop list (Order[..DropCount]) from its keep-scores. Reuses its buffers.</summary>
internal sealed class DropSelection
{
    private int[] _keys = []; // ScoreKeys.Descending of every entry considered (layer-major for global scope)
    private int[] _scratch = [];
    private int[] _picked = [];
    private long[] _sortKeys = [];

    /// <summary>Drops the <paramref name="count"/> lowest keep-scores of <paramref name="plan"/> (count ≤ plan.Nnz).</summary>
    public void SelectLowest(LayerPlan plan, int count)
    {
        Buffers.Ensure(ref _keys, plan.Nnz);
        WriteDropKeys(plan.Scores.AsSpan(0, plan.Nnz), _keys);
        var picked = PickHighestKeys(plan.Nnz, count);
        Buffers.Ensure(ref plan.Order, count);
        picked.CopyTo(plan.Order);
        SortDropList(plan, _keys, count);
    }

    /// <summary>Drops the <paramref name="k"/> lowest keep-scores over the first <paramref name="n"/> plans together (k ≤ Σ Nnz).</summary>
    public void SelectGlobalLowest(List<LayerPlan> plans, int n, int k)
    {
        int total = 0;
        for (int l = 0; l < n; l++) total = checked(total + plans[l].Nnz);
        // One layer-major array, so "ties to the lower index" is "to the earlier layer, then the lower value index".
        Buffers.Ensure(ref _keys, total);
        for (int l = 0, offset = 0; l < n; offset += plans[l].Nnz, l++)
            WriteDropKeys(plans[l].Scores.AsSpan(0, plans[l].Nnz), _keys.AsSpan(offset));
        var picked = PickHighestKeys(total, k); // ascending, so each layer's picks are one contiguous run
        for (int l = 0, offset = 0, j = 0; l < n; offset += plans[l].Nnz, l++)
        {
            var plan = plans[l];
            int start = j, end = offset + plan.Nnz;
            while (j < picked.Length && picked[j] < end) j++;
            Buffers.Ensure(ref plan.Order, j - start);
            for (int i = start; i < j; i++) plan.Order[i - start] = picked[i] - offset;
            SortDropList(plan, _keys.AsSpan(offset, plan.Nnz), j - start);
        }
    }

    private static void WriteDropKeys(ReadOnlySpan<float> scores, Span<int> keys)
    {
        for (int i = 0; i < scores.Length; i++) keys[i] = ScoreKeys.Descending(scores[i]);
    }

    /// <summary>Indices (ascending) of the <paramref name="count"/> highest of _keys[..length], ties to the lower index.</summary>
    private ReadOnlySpan<int> PickHighestKeys(int length, int count)
    {
        Buffers.Ensure(ref _scratch, length);
        Buffers.Ensure(ref _picked, count);
        MaskSelection.TopKIndices(_keys.AsSpan(0, length), count, _scratch, _picked);
        return _picked.AsSpan(0, count);
    }

    /// <summary>Sorts Order[..count] by ascending keep-score, then value index (<paramref name="keys"/>: the layer's keys).</summary>
    private void SortDropList(LayerPlan plan, ReadOnlySpan<int> keys, int count)
    {
        // One long per entry, (ascending-score key, index), so the default comparer sorts it (a comparer would allocate).
        Buffers.Ensure(ref _sortKeys, count);
        var order = plan.Order.AsSpan(0, count);
        var sortKeys = _sortKeys.AsSpan(0, count);
        for (int i = 0; i < count; i++) sortKeys[i] = ((long)~keys[order[i]] << 32) | (uint)order[i];
        sortKeys.Sort();
        for (int i = 0; i < count; i++) order[i] = (int)sortKeys[i];
        plan.DropCount = count;
    }
}
