// DropSelection: which active entries a topology update drops: the k lowest keep-scores of one layer, or over all
// layers for global scope (ties go to the earlier layer, then the lower value index). Only that set is needed, so it
// is found by quickselect (MaskSelection.TopKIndices, O(n) expected) instead of sorting every active entry; then only
// the k picked are sorted by (score, index), because LayerPlan.CancelDrops cancels the highest keep-scores first. The
// drop list is therefore the head of a full sort, entry for entry.
// Contract for NaN (diverged weights): a NaN keep-score is the lowest possible, below −∞, so it is dropped before any
// number, and NaNs tie among themselves (earlier layer, then lower value index), in both scopes. The selection runs
// on integer keys that encode exactly this order (float.CompareTo's: NaN lowest, −0 = +0), so NaN needs no path of
// its own, and the final sort by float.CompareTo agrees with it.
using Sprout.Sparse.Pruning;

namespace Sprout.Sparse.Topology;

/// <summary>Fills each <see cref="LayerPlan"/>'s drop list (Order[..DropCount]) from its keep-scores. Reuses its buffers.</summary>
internal sealed class DropSelection
{
    private int[] _keys = []; // DropKey of every entry considered (layer-major for global scope)
    private int[] _scratch = [];
    private int[] _picked = [];

    /// <summary>Drops the <paramref name="count"/> lowest keep-scores of <paramref name="plan"/> (count ≤ plan.Nnz).</summary>
    public void SelectLowest(LayerPlan plan, int count)
    {
        Buffers.Ensure(ref _keys, plan.Nnz);
        WriteDropKeys(plan.Scores.AsSpan(0, plan.Nnz), _keys);
        var picked = PickHighestKeys(plan.Nnz, count);
        Buffers.Ensure(ref plan.Order, count);
        picked.CopyTo(plan.Order);
        SortDropList(plan, count);
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
            SortDropList(plan, j - start);
        }
    }

    /// <summary>
    /// A key that orders keep-scores in reverse (a higher key is dropped first) exactly as float.CompareTo orders them:
    /// −0 equals +0, and NaN is below −∞ (it gets the highest key, int.MaxValue; −∞ gets 0x7F800000).
    /// </summary>
    internal static int DropKey(float score)
    {
        if (float.IsNaN(score)) return int.MaxValue;
        int bits = score == 0f ? 0 : BitConverter.SingleToInt32Bits(score);
        int ascending = bits ^ ((bits >> 31) & int.MaxValue); // sign-magnitude to two's complement: ascending in score
        return ~ascending;
    }

    private static void WriteDropKeys(ReadOnlySpan<float> scores, Span<int> keys)
    {
        for (int i = 0; i < scores.Length; i++) keys[i] = DropKey(scores[i]);
    }

    /// <summary>Indices (ascending) of the <paramref name="count"/> highest of _keys[..length], ties to the lower index.</summary>
    private ReadOnlySpan<int> PickHighestKeys(int length, int count)
    {
        Buffers.Ensure(ref _scratch, length);
        Buffers.Ensure(ref _picked, count);
        MaskSelection.TopKIndices(_keys.AsSpan(0, length), count, _scratch, _picked);
        return _picked.AsSpan(0, count);
    }

    private static void SortDropList(LayerPlan plan, int count)
    {
        plan.Order.AsSpan(0, count).Sort(new ScoreThenIndex(plan.Scores));
        plan.DropCount = count;
    }

    /// <summary>Ascending keep-score by float.CompareTo (NaN first, −0 = +0), ties by value index: the order DropKey reverses.</summary>
    private readonly struct ScoreThenIndex(float[] scores) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int c = scores[a].CompareTo(scores[b]);
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
