// TopologyMechanism: the one drop/grow procedure every method shares (rigl's _get_update_op). Per layer:
// k = ⌊f·nnz⌋; drop the k active entries with the lowest keep-score; grow the k best valid candidates;
// if fewer than k candidates are valid, drop fewer, so nnz stays exact. The layer rewires itself and its
// optimizer state. Scratch buffers are reused, so an update allocates nothing once sizes are stable.
namespace Sprout.Sparse.Topology;

/// <summary>What one layer's update did.</summary>
public readonly record struct LayerUpdate(string Layer, int Nnz, int Dropped, int Grown, int Regrown);

/// <summary>Applies an <see cref="ITopologyUpdater"/>'s scores to layers.</summary>
public sealed class TopologyMechanism
{
    private float[] _scores = [];
    private int[] _order = [];
    private int[] _drop = [];
    private int[] _growRows = [];
    private int[] _growCols = [];
    private long[] _keys = [];
    private int[] _candidateOrder = [];
    private float[] _candidateScores = [];
    private (float, long, int)[] _tuples = [];
    private readonly GrowthCandidates _candidates = new();

    /// <summary>Keep-scores |w| for the active entries: the magnitude criterion shared by most methods.</summary>
    public static void MagnitudeScores(ISparseLayer layer, Span<float> scores)
    {
        layer.ReadActiveWeights(scores);
        System.Numerics.Tensors.TensorPrimitives.Abs(scores, scores);
    }

    /// <summary>Replaces ⌊context.DropFraction · nnz⌋ connections of <paramref name="layer"/>.</summary>
    public LayerUpdate UpdateLayer(ISparseLayer layer, ITopologyUpdater updater, TopologyContext context) =>
        UpdateLayer(layer, updater, context, (int)(context.DropFraction * layer.Topology.Nnz));

    /// <summary>Replaces up to <paramref name="k"/> connections of <paramref name="layer"/>.</summary>
    public LayerUpdate UpdateLayer(ISparseLayer layer, ITopologyUpdater updater, TopologyContext context, int k)
    {
        var topo = layer.Topology;
        int nnz = topo.Nnz;
        k = Math.Clamp(k, 0, nnz);
        if (k == 0) return new LayerUpdate(layer.LayerName, nnz, 0, 0, 0);
        Ensure(ref _scores, nnz);
        Ensure(ref _order, nnz);
        var scores = _scores.AsSpan(0, nnz);
        updater.DropScores(layer, context, scores);

        // The k lowest keep-scores, ties broken by value index so that the result is deterministic.
        var order = _order.AsSpan(0, nnz);
        for (int i = 0; i < nnz; i++) order[i] = i;
        order.Sort(new ScoreThenIndex(_scores));
        Ensure(ref _drop, k);
        order[..k].CopyTo(_drop);
        context.MarkDrops(_drop.AsSpan(0, k), nnz);

        _candidates.Clear();
        updater.GrowCandidates(layer, context, k, _candidates);
        int valid = SelectGrowth(topo, context, k);

        // Fewer valid candidates than drops: keep the entries with the highest scores among the drop set.
        var drop = _drop.AsSpan(0, valid);
        drop.Sort();
        var change = layer.Rewire(drop, _growRows.AsSpan(0, valid), _growCols.AsSpan(0, valid), context.Optimizer, updater.GrowValue, updater.ResetGrownState);
        updater.AfterRewire(layer, change, context);
        return new LayerUpdate(layer.LayerName, nnz, valid, change.GrownCount, change.RegrownCount);
    }

    /// <summary>Dedupes and validates candidates, then keeps the best <paramref name="k"/> in _growRows/_growCols.</summary>
    private int SelectGrowth(CsrMatrix topo, TopologyContext context, int k)
    {
        int n = _candidates.Count;
        Ensure(ref _keys, n);
        Ensure(ref _candidateOrder, n);
        Ensure(ref _candidateScores, n);
        var rows = _candidates.Rows;
        var cols = _candidates.Cols;
        var cscores = _candidates.Scores;
        var keys = _keys.AsSpan(0, n);
        var idx = _candidateOrder.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            if ((uint)rows[i] >= (uint)topo.Rows || (uint)cols[i] >= (uint)topo.Cols)
                throw new InvalidOperationException($"A grow candidate ({rows[i]}, {cols[i]}) is outside the {topo.Rows}×{topo.Cols} layer.");
            keys[i] = (long)rows[i] * topo.Cols + cols[i];
            idx[i] = i;
        }
        keys.Sort(idx);
        // Keep one candidate per position (the best-scoring), and only positions that are inactive or being dropped.
        int m = 0;
        for (int i = 0; i < n;)
        {
            int j = i, best = idx[i];
            while (j < n && keys[j] == keys[i])
            {
                if (cscores[idx[j]] > cscores[best]) best = idx[j];
                j++;
            }
            int p = topo.IndexOf(rows[best], cols[best]);
            if (p < 0 || context.IsDropped(p))
            {
                idx[m] = best;
                _candidateScores[m] = -cscores[best];
                m++;
            }
            i = j;
        }
        // Highest score first; MemoryExtensions.Sort is unstable, so sort (−score, position) pairs for determinism.
        var negScores = _candidateScores.AsSpan(0, m);
        var chosen = idx[..m];
        for (int i = 0; i < m; i++) keys[i] = (long)rows[chosen[i]] * topo.Cols + cols[chosen[i]];
        SortByScoreThenKey(negScores, keys[..m], chosen);
        int take = Math.Min(k, m);
        Ensure(ref _growRows, take);
        Ensure(ref _growCols, take);
        for (int i = 0; i < take; i++)
        {
            _growRows[i] = rows[chosen[i]];
            _growCols[i] = cols[chosen[i]];
        }
        return take;
    }

    private void SortByScoreThenKey(Span<float> negScores, Span<long> keys, Span<int> items)
    {
        // Sorting (score, position) composites makes the order total, so the unstable sort is deterministic.
        var comparer = new ScoreKeyComparer();
        Ensure(ref _tuples, negScores.Length);
        var tmp = _tuples.AsSpan(0, negScores.Length);
        for (int i = 0; i < tmp.Length; i++) tmp[i] = (negScores[i], keys[i], items[i]);
        tmp.Sort(comparer);
        for (int i = 0; i < tmp.Length; i++) (negScores[i], keys[i], items[i]) = tmp[i];
    }

    private readonly struct ScoreKeyComparer : IComparer<(float Score, long Key, int Item)>
    {
        public int Compare((float Score, long Key, int Item) a, (float Score, long Key, int Item) b)
        {
            int c = a.Score.CompareTo(b.Score);
            return c != 0 ? c : a.Key.CompareTo(b.Key);
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

    private static void Ensure<T>(ref T[] buffer, int n)
    {
        if (buffer.Length < n) buffer = new T[Math.Max(n, buffer.Length * 2)];
    }
}
