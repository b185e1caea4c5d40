// TopologyMechanism: the one drop/grow procedure every method shares (rigl's _get_update_op). Each layer drops its
// lowest keep-scores (picked by quickselect, DropSelection) and grows its best valid candidates. How many is a count
// policy: k = ⌊f·nnz⌋ per layer (the usual one), explicit per-layer drop and grow counts (sparse momentum's budget
// redistribution), or one global k over all layers (GSE's global scope). All layers are planned before any is
// rewired; if some layer's candidates run short, drops are cancelled (its own first) so the total nnz over all layers
// stays exact. Each layer rewires itself and its optimizer state. Scratch buffers are reused, so an update allocates
// nothing once sizes are stable.
// NaN scores rank lowest on both sides, in every scope: a NaN keep-score is dropped first (DropSelection), and a NaN
// grow score is grown last, after every number including −∞ (a NaN gradient says nothing about importance, so it
// must not displace a real candidate; it is still grown when nothing better is left, rather than cancel drops).
// Both follow float.CompareTo, which puts NaN below everything; equal scores and NaNs tie by layer, then position.
namespace Sprout.Sparse.Topology;

/// <summary>What one layer's update did. <see cref="Nnz"/> is the layer's count after the update.</summary>
public readonly record struct LayerUpdate(string Layer, int Nnz, int Dropped, int Grown, int Regrown);

/// <summary>Applies an <see cref="ITopologyUpdater"/>'s scores to layers.</summary>
public sealed class TopologyMechanism
{
    private readonly List<LayerPlan> _plans = [];
    private readonly GrowthCandidates _candidates = new();
    private readonly DropSelection _drops = new();
    private long[] _keys = [];
    private int[] _candidateOrder = [];
    private (int ScoreKey, long Position, int Item)[] _growOrder = [];
    private int[] _sources = [];

    /// <summary>Keep-scores |w| for the active entries: the magnitude criterion shared by most methods.</summary>
    public static void MagnitudeScores(ISparseLayer layer, Span<float> scores)
    {
        layer.ReadActiveWeights(scores);
        System.Numerics.Tensors.TensorPrimitives.Abs(scores, scores);
    }

    /// <summary>Replaces ⌊context.DropFraction · nnz⌋ connections of <paramref name="layer"/>.</summary>
    public LayerUpdate UpdateLayer(ISparseLayer layer, ITopologyUpdater updater, TopologyContext context) =>
        UpdateLayer(layer, updater, context, (int)(context.DropFraction * layer.Topology.Nnz));

    /// <summary>Replaces up to <paramref name="k"/> connections of <paramref name="layer"/> (fewer if candidates run short; nnz stays).</summary>
    public LayerUpdate UpdateLayer(ISparseLayer layer, ITopologyUpdater updater, TopologyContext context, int k)
    {
        ArgumentNullException.ThrowIfNull(layer);
        k = Math.Clamp(k, 0, layer.Topology.Nnz);
        var plan = Plan(0);
        if (k == 0) return new LayerUpdate(layer.LayerName, layer.Topology.Nnz, 0, 0, 0);
        ScoreActive(plan, layer, updater, context);
        _drops.SelectLowest(plan, k);
        CollectGrowth(plan, layer, updater, context, k, limit: k);
        BalanceShortfall(1);
        return Apply(plan, layer, updater, context);
    }

    /// <summary>
    /// Drops dropCounts[l] and grows growCounts[l] connections of layer l (counts may differ per layer; their sums must
    /// be equal), so per-layer nnz changes while the total stays exact. A layer whose candidates run short grows fewer,
    /// and as many drops are cancelled (in that layer first, then in others), so the total is still exact.
    /// </summary>
    /// <exception cref="ArgumentException">Counts of the wrong length, negative, a drop count above a layer's nnz, or unequal sums.</exception>
    public void UpdateLayers(IReadOnlyList<ISparseLayer> layers, ITopologyUpdater updater, TopologyContext context,
        ReadOnlySpan<int> dropCounts, ReadOnlySpan<int> growCounts, Span<LayerUpdate> results)
    {
        int n = CheckLayers(layers, results);
        if (dropCounts.Length != n || growCounts.Length != n)
            throw new ArgumentException($"Expected {n} drop and grow counts (one per layer), got {dropCounts.Length} and {growCounts.Length}.", nameof(dropCounts));
        long drops = 0, grows = 0;
        for (int l = 0; l < n; l++)
        {
            if (dropCounts[l] < 0 || growCounts[l] < 0 || dropCounts[l] > layers[l].Topology.Nnz)
                throw new ArgumentException($"Layer '{layers[l].LayerName}' was asked to drop {dropCounts[l]} of its {layers[l].Topology.Nnz} connections and grow {growCounts[l]}; counts must be ≥ 0 and drops ≤ nnz.", nameof(dropCounts));
            drops += dropCounts[l];
            grows += growCounts[l];
        }
        if (drops != grows)
            throw new ArgumentException($"The drop counts sum to {drops} but the grow counts to {grows}; they must be equal so that the total nnz stays exact.", nameof(growCounts));
        for (int l = 0; l < n; l++)
        {
            var plan = Plan(l);
            ScoreActive(plan, layers[l], updater, context);
            _drops.SelectLowest(plan, dropCounts[l]);
            CollectGrowth(plan, layers[l], updater, context, growCounts[l], limit: growCounts[l]);
        }
        BalanceShortfall(n);
        for (int l = 0; l < n; l++) results[l] = Apply(_plans[l], layers[l], updater, context);
    }

    /// <summary>
    /// Global scope: drops the k = ⌊context.DropFraction · Σ nnz⌋ lowest keep-scores over all layers and grows the k
    /// best valid candidates over all layers (scores must be comparable across layers, e.g. |w| and |∇|), so per-layer
    /// counts differ while the total stays exact. Ties go to the earlier layer, then the lower position.
    /// </summary>
    public void UpdateGlobal(IReadOnlyList<ISparseLayer> layers, ITopologyUpdater updater, TopologyContext context, Span<LayerUpdate> results)
    {
        int n = CheckLayers(layers, results);
        long total = 0;
        for (int l = 0; l < n; l++) total += layers[l].Topology.Nnz;
        int k = (int)Math.Clamp((long)(context.DropFraction * total), 0, total);
        for (int l = 0; l < n; l++) ScoreActive(Plan(l), layers[l], updater, context);
        _drops.SelectGlobalLowest(_plans, n, k);
        int offered = 0;
        for (int l = 0; l < n; l++)
        {
            var plan = _plans[l];
            CollectGrowth(plan, layers[l], updater, context, plan.DropCount, limit: int.MaxValue);
            offered += plan.Valid;
        }
        SplitGlobalGrowth(n, Math.Min(k, offered));
        BalanceShortfall(n, k - Math.Min(k, offered));
        for (int l = 0; l < n; l++) results[l] = Apply(_plans[l], layers[l], updater, context);
    }

    private LayerPlan Plan(int index)
    {
        while (_plans.Count <= index) _plans.Add(new LayerPlan());
        var plan = _plans[index];
        plan.DropCount = plan.Valid = plan.GrowCount = plan.RequestedGrow = 0;
        return plan;
    }

    private static int CheckLayers(IReadOnlyList<ISparseLayer> layers, Span<LayerUpdate> results)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (results.Length < layers.Count)
            throw new ArgumentException($"results holds {results.Length} entries, one per layer needs {layers.Count}.", nameof(results));
        return layers.Count;
    }

    /// <summary>The method's keep-score of every active entry, into the plan (the drop list is chosen from them).</summary>
    private static void ScoreActive(LayerPlan plan, ISparseLayer layer, ITopologyUpdater updater, TopologyContext context)
    {
        int nnz = plan.Nnz = layer.Topology.Nnz;
        Buffers.Ensure(ref plan.Scores, nnz);
        updater.DropScores(layer, context, plan.Scores.AsSpan(0, nnz));
    }

    /// <summary>The k best candidates over all layers, by a merge of the per-layer best-first lists (O(k·layers)); NaN lowest.</summary>
    private void SplitGlobalGrowth(int n, int k)
    {
        for (int l = 0; l < n; l++) _plans[l].GrowCount = 0;
        for (int taken = 0; taken < k; taken++)
        {
            int best = -1;
            float bestScore = 0f;
            for (int l = 0; l < n; l++)
            {
                var p = _plans[l];
                if (p.GrowCount >= p.Valid) continue;
                float s = p.GrowScores[p.GrowCount];
                if (best < 0 || s.CompareTo(bestScore) > 0) (best, bestScore) = (l, s);
            }
            _plans[best].GrowCount++;
        }
        for (int l = 0; l < n; l++) _plans[l].RequestedGrow = _plans[l].GrowCount;
    }

    /// <summary>Marks the layer's drops, asks the method for candidates and keeps the best <paramref name="limit"/> valid ones.</summary>
    private void CollectGrowth(LayerPlan plan, ISparseLayer layer, ITopologyUpdater updater, TopologyContext context, int count, int limit)
    {
        context.MarkDrops(plan.Order.AsSpan(0, plan.DropCount), layer.Topology.Nnz);
        _candidates.Clear();
        if (limit > 0) updater.GrowCandidates(layer, context, count, _candidates);
        SelectGrowth(plan, layer.Topology, context, limit);
        plan.RequestedGrow = count;
        plan.GrowCount = Math.Min(count, plan.Valid);
    }

    /// <summary>
    /// Cancels drops where grow candidates ran short: each layer's own shortfall first, then <paramref name="extra"/>
    /// more (a global shortfall) from any layer in order. Σ drops = Σ grows afterwards.
    /// </summary>
    private void BalanceShortfall(int n, int extra = 0)
    {
        int remaining = extra;
        for (int l = 0; l < n; l++)
        {
            var p = _plans[l];
            int shortfall = p.RequestedGrow - p.GrowCount;
            if (shortfall > 0) remaining += shortfall - p.CancelDrops(shortfall);
        }
        for (int l = 0; l < n && remaining > 0; l++) remaining -= _plans[l].CancelDrops(remaining);
        if (remaining != 0) throw new InvalidOperationException($"Could not balance drops and grows ({remaining} left over); this is a bug.");
    }

    private static LayerUpdate Apply(LayerPlan plan, ISparseLayer layer, ITopologyUpdater updater, TopologyContext context)
    {
        if (plan.DropCount == 0 && plan.GrowCount == 0) return new LayerUpdate(layer.LayerName, layer.Topology.Nnz, 0, 0, 0);
        var drop = plan.Finish();
        int g = plan.GrowCount;
        var change = layer.Rewire(drop, plan.GrowRows.AsSpan(0, g), plan.GrowCols.AsSpan(0, g), context.Optimizer, updater.GrowValue, updater.ResetGrownState);
        updater.AfterRewire(layer, change, context);
        return new LayerUpdate(layer.LayerName, change.Nnz, drop.Length, change.GrownCount, change.RegrownCount);
    }

    /// <summary>Dedupes and validates the candidates, then keeps the best <paramref name="limit"/>, best first, in the plan.</summary>
    private void SelectGrowth(LayerPlan plan, CsrMatrix topo, TopologyContext context, int limit)
    {
        int n = _candidates.Count;
        Buffers.Ensure(ref _keys, n);
        Buffers.Ensure(ref _candidateOrder, n);
        Buffers.Ensure(ref plan.GrowScores, n);
        Buffers.Ensure(ref plan.GrowSources, n);
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
        // Keep one candidate per position (the best-scoring, NaN lowest), and only positions that are inactive or being dropped.
        int m = 0;
        for (int i = 0; i < n;)
        {
            int j = i, best = idx[i];
            while (j < n && keys[j] == keys[i])
            {
                if (cscores[idx[j]].CompareTo(cscores[best]) > 0) best = idx[j];
                j++;
            }
            int p = topo.IndexOf(rows[best], cols[best]);
            if (p < 0 || context.IsDropped(p))
            {
                idx[m] = best;
                plan.GrowSources[m] = p;
                plan.GrowScores[m] = cscores[best];
                m++;
            }
            i = j;
        }
        // Highest score first (NaN last, ScoreKeys); MemoryExtensions.Sort is unstable, so sort (score key, position)
        // composites for determinism, with the default comparer (a comparer object would allocate on every call).
        Buffers.Ensure(ref _growOrder, m);
        var order = _growOrder.AsSpan(0, m);
        for (int i = 0; i < m; i++) order[i] = (ScoreKeys.Descending(plan.GrowScores[i]), (long)rows[idx[i]] * topo.Cols + cols[idx[i]], i);
        order.Sort();
        int take = Math.Min(limit, m);
        Buffers.Ensure(ref plan.GrowRows, take);
        Buffers.Ensure(ref plan.GrowCols, take);
        Buffers.Ensure(ref _sources, take);
        for (int i = 0; i < take; i++)
        {
            int src = idx[order[i].Item];
            plan.GrowRows[i] = rows[src];
            plan.GrowCols[i] = cols[src];
            plan.GrowScores[i] = cscores[src];
            _sources[i] = plan.GrowSources[order[i].Item];
        }
        _sources.AsSpan(0, take).CopyTo(plan.GrowSources);
        plan.Valid = take;
    }
}
