// DropSelection: which active entries a topology update drops: the k lowest keep-scores of one layer, or over all
// layers for global scope (ties go to the earlier layer, then the lower value index). Only that set is needed, so it
// is found by quickselect (MaskSelection.TopKIndices on the negated scores, O(n) expected) instead of sorting every
// active entry; then only the k picked are sorted by (score, index), because LayerPlan.CancelDrops cancels the highest
// keep-scores first. The drop list is therefore the head of a full sort, entry for entry.
// A NaN keep-score (diverged weights) keeps the full sort and, for global scope, the merge of sorted layers that
// preceded this class: the sort puts NaN first, while the merge's `<` never prefers a later layer's NaN head (so
// that layer drops nothing until the earlier ones run out); quickselect would match neither, so that path is kept.
using System.Numerics.Tensors;
using Sprout.Sparse.Pruning;

namespace Sprout.Sparse.Topology;

/// <summary>Fills each <see cref="LayerPlan"/>'s drop list (Order[..DropCount]) from its keep-scores. Reuses its buffers.</summary>
internal sealed class DropSelection
{
    private float[] _negated = []; // −keep-score of every entry considered (layer-major for global scope)
    private float[] _scratch = [];
    private int[] _picked = [];

    /// <summary>Drops the <paramref name="count"/> lowest keep-scores of <paramref name="plan"/> (count ≤ plan.Nnz).</summary>
    public void SelectLowest(LayerPlan plan, int count)
    {
        var scores = plan.Scores.AsSpan(0, plan.Nnz);
        if (TensorPrimitives.IsNaNAny<float>(scores))
        {
            SortAll(plan);
            plan.DropCount = count;
            return;
        }
        Buffers.Ensure(ref _negated, scores.Length);
        TensorPrimitives.Negate(scores, _negated.AsSpan(0, scores.Length));
        var picked = PickHighestNegated(scores.Length, count);
        Buffers.Ensure(ref plan.Order, count);
        picked.CopyTo(plan.Order);
        SortDropList(plan, count);
    }

    /// <summary>Drops the <paramref name="k"/> lowest keep-scores over the first <paramref name="n"/> plans together (k ≤ Σ Nnz).</summary>
    public void SelectGlobalLowest(List<LayerPlan> plans, int n, int k)
    {
        int total = 0;
        bool anyNaN = false;
        for (int l = 0; l < n; l++)
        {
            total = checked(total + plans[l].Nnz);
            anyNaN |= TensorPrimitives.IsNaNAny<float>(plans[l].Scores.AsSpan(0, plans[l].Nnz));
        }
        if (anyNaN)
        {
            for (int l = 0; l < n; l++) SortAll(plans[l]);
            MergeLowest(plans, n, k);
            return;
        }
        // One layer-major array, so "ties to the lower index" is "to the earlier layer, then the lower value index".
        Buffers.Ensure(ref _negated, total);
        for (int l = 0, offset = 0; l < n; offset += plans[l].Nnz, l++)
            TensorPrimitives.Negate(plans[l].Scores.AsSpan(0, plans[l].Nnz), _negated.AsSpan(offset, plans[l].Nnz));
        var picked = PickHighestNegated(total, k); // ascending, so each layer's picks are one contiguous run
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

    /// <summary>Indices (ascending) of the <paramref name="count"/> highest of _negated[..length], ties to the lower index.</summary>
    private ReadOnlySpan<int> PickHighestNegated(int length, int count)
    {
        Buffers.Ensure(ref _scratch, length);
        Buffers.Ensure(ref _picked, count);
        MaskSelection.TopKIndices(_negated.AsSpan(0, length), count, _scratch, _picked);
        return _picked.AsSpan(0, count);
    }

    private static void SortDropList(LayerPlan plan, int count)
    {
        plan.Order.AsSpan(0, count).Sort(new ScoreThenIndex(plan.Scores));
        plan.DropCount = count;
    }

    /// <summary>Every active entry in ascending keep-score order (ties by value index): the NaN path.</summary>
    private static void SortAll(LayerPlan plan)
    {
        Buffers.Ensure(ref plan.Order, plan.Nnz);
        var order = plan.Order.AsSpan(0, plan.Nnz);
        for (int i = 0; i < order.Length; i++) order[i] = i;
        order.Sort(new ScoreThenIndex(plan.Scores));
    }

    /// <summary>The k lowest keep-scores over all layers, by a merge of the per-layer sorted orders (O(k·layers)): the NaN path.</summary>
    private static void MergeLowest(List<LayerPlan> plans, int n, int k)
    {
        for (int taken = 0; taken < k; taken++)
        {
            int best = -1;
            float bestScore = 0f;
            for (int l = 0; l < n; l++)
            {
                var p = plans[l];
                if (p.DropCount >= p.Nnz) continue;
                float s = p.Scores[p.Order[p.DropCount]];
                if (best < 0 || s < bestScore) (best, bestScore) = (l, s);
            }
            plans[best].DropCount++;
        }
    }

    private readonly struct ScoreThenIndex(float[] scores) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int c = scores[a].CompareTo(scores[b]);
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
