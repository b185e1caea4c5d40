// SparseMomentum: sparse momentum / SNFS (Dettmers & Zettlemoyer, "Sparse Networks from Scratch: Faster Training
// without Losing Performance", 2019; TimDettmers/sparse_learning). Prune the smallest |θ|; regrow, inside each
// layer, the zero weights whose momentum magnitude is largest. Published form: on MaskedLinear with
// MaskGradients = false, so the optimizer's momentum is an EMA of the *dense* gradient (O(Rows·Cols) state, as in
// the paper). Only inactive or just-pruned positions are ranked (the reference code sorts all entries with active
// ones at 0, which can re-pick active weights and under-grow; ALGORITHMS.md §3e).
// Sprout's own always-sparse variant (not in the paper): on SparseLinear, a pool of ⌈γ·nnz⌉ sampled inactive
// positions carries a momentum m ← μ·m + g computed every step by SDDMM at the pool (O(|pool|·batch) per step);
// growth ranks the pool by |m|, and the pool is resampled after each update.
// Redistribution (on by default, as published): at each update the freed budget moves between layers by mean
// |momentum| of their active entries (MomentumBudget); the shared mechanism keeps the total nnz exact while per-layer
// nnz changes, on MaskedLinear and SparseLinear alike. On the always-sparse variant a layer can grow at most its
// pool's valid candidates; if its share is larger, drops are cancelled so the total stays exact.
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>
/// Sparse momentum: drop score |θ|; grow candidates = every zero weight of a masked layer scored by |momentum|
/// (SGD "momentum", or Adam exp_avg/(√exp_avg_sq + 1e-8)), or, on an always-sparse layer, a sampled pool scored by
/// a per-step gradient momentum. Grown weights start at 0 and keep the optimizer's momentum (reset was removed in
/// sparse_learning v1.0). Defaults: prune rate 0.5, cosine decay, update at every epoch end
/// (<see cref="DefaultSchedule"/>), budget redistributed across layers by mean |momentum|.
/// </summary>
public sealed class SparseMomentum : ITopologyUpdater, IStepObserver, ILayerState
{
    private readonly Dictionary<ISparseLayer, Pool> _pools = new(ReferenceEqualityComparer.Instance);
    private readonly MomentumBudget _budget = new();
    private float[] _gradients = [];
    private int[] _columns = [];

    /// <summary>Creates sparse momentum.</summary>
    /// <param name="poolMomentum">μ of the always-sparse variant's pool momentum (0.9, SNFS's SGD momentum).</param>
    /// <param name="sampler">Pool sampler of the always-sparse variant (default uniform, γ = 1).</param>
    /// <param name="redistribute">Move budget between layers by mean |momentum| (the paper); false keeps each layer's nnz.</param>
    /// <exception cref="ArgumentOutOfRangeException">μ outside [0, 1).</exception>
    public SparseMomentum(float poolMomentum = 0.9f, CandidateSampler? sampler = null, bool redistribute = true)
    {
        Redistribute = redistribute;
        if (!(poolMomentum is >= 0f and < 1f))
            throw new ArgumentOutOfRangeException(nameof(poolMomentum), poolMomentum, "The pool momentum μ must be in [0, 1).");
        PoolMomentum = poolMomentum;
        Sampler = sampler ?? new CandidateSampler();
    }

    /// <inheritdoc/>
    /// <remarks>The always-sparse variant's pool gradients by SDDMM every step; a masked layer's momentum comes from its dense gradient.</remarks>
    public double ExtraMultiplyAdds(ISparseLayer layer, bool updated) =>
        layer.IsAlwaysSparse ? (double)Sampler.SubsetSize(layer.Topology.Nnz) * layer.CachedBatch : 0;

    /// <inheritdoc/>
    public string Name => "snfs";

    /// <summary>μ of the always-sparse pool momentum.</summary>
    public float PoolMomentum { get; }

    /// <summary>Pool sampler (always-sparse variant).</summary>
    public CandidateSampler Sampler { get; }

    /// <inheritdoc/>
    public bool ResetGrownState => false;

    /// <summary>Whether the freed budget is redistributed across layers by mean |momentum|.</summary>
    public bool Redistribute { get; }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Redistribution without an optimizer to read momentum from.</exception>
    public bool PlanLayerBudgets(IReadOnlyList<ISparseLayer> layers, TopologyContext context, Span<int> dropCounts, Span<int> growCounts)
    {
        if (!Redistribute) return false;
        var optimizer = context.Optimizer ?? throw new InvalidOperationException("Sparse momentum's redistribution reads the optimizer's momentum: pass the optimizer to TopologyScheduler.Step.");
        _budget.Plan(layers, optimizer, context.DropFraction, dropCounts, growCounts);
        return true;
    }

    /// <summary>
    /// SNFS's schedule: prune rate p0 = 0.5 cosine-decayed over T_max = epochs·stepsPerEpoch, an update at the end of
    /// every epoch except the last. (The reference floors the rate at 0.005; here it decays to 0, which differs only in
    /// the last few epochs of a run.)
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive argument.</exception>
    public static UpdateSchedule DefaultSchedule(int stepsPerEpoch, int epochs, float pruneRate = 0.5f)
    {
        if (stepsPerEpoch <= 0) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "Steps per epoch must be positive.");
        if (epochs <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Epochs must be positive.");
        return new UpdateSchedule(every: stepsPerEpoch, endStep: epochs * stepsPerEpoch, dropFraction: pruneRate, FractionDecay.Cosine);
    }

    /// <inheritdoc/>
    public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores) =>
        TopologyMechanism.MagnitudeScores(layer, scores);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A masked layer without an optimizer momentum to read.</exception>
    public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates)
    {
        if (layer.IsAlwaysSparse) GrowFromPool(layer, context, candidates);
        else GrowFromDenseMomentum(layer, context, candidates);
    }

    /// <inheritdoc/>
    /// <remarks>Always-sparse layers: m ← μ·m + ∇ at the pool positions, from the batch just trained on.</remarks>
    public void Observe(ISparseLayer layer, TopologyContext context)
    {
        if (!layer.IsAlwaysSparse || layer.CachedBatch == 0) return;
        if (!_pools.TryGetValue(layer, out var pool))
        {
            pool = new Pool();
            _pools[layer] = pool;
            pool.Refill(Sampler, layer, context);
        }
        int n = pool.Count;
        Buffers.Ensure(ref _gradients, n);
        var g = _gradients.AsSpan(0, n);
        layer.GradientsAt(pool.Rows, pool.Cols, g);
        var m = pool.Momentum;
        for (int i = 0; i < n; i++) m[i] = PoolMomentum * m[i] + g[i];
    }

    /// <inheritdoc/>
    public void AfterRewire(ISparseLayer layer, TopologyChange change, TopologyContext context)
    {
        if (layer.IsAlwaysSparse && _pools.TryGetValue(layer, out var pool)) pool.Refill(Sampler, layer, context);
    }

    /// <inheritdoc/>
    /// <remarks>The always-sparse pool: "snfs.pool_rows", "snfs.pool_cols" (I32) and "snfs.pool_momentum" (F32).</remarks>
    public void SaveState(ISparseLayer layer, StateDict state)
    {
        if (!_pools.TryGetValue(layer, out var pool)) return;
        state.Add("snfs.pool_rows", pool.Rows);
        state.Add("snfs.pool_cols", pool.Cols);
        state.Add("snfs.pool_momentum", pool.Momentum);
    }

    /// <inheritdoc/>
    public void LoadState(ISparseLayer layer, StateDict state)
    {
        _pools.Remove(layer);
        if (!state.Contains("snfs.pool_rows")) return;
        var pool = new Pool();
        pool.Restore(state.Ints("snfs.pool_rows"), state.Ints("snfs.pool_cols"), state.Floats("snfs.pool_momentum"));
        _pools[layer] = pool;
    }

    private void GrowFromPool(ISparseLayer layer, TopologyContext context, GrowthCandidates candidates)
    {
        if (!_pools.TryGetValue(layer, out var pool))
            throw new InvalidOperationException($"Layer '{layer.LayerName}' has no momentum pool yet: the scheduler must see at least one training step (after a backward pass) before an update.");
        int n = pool.Count;
        int start = candidates.Append(n);
        pool.Rows.CopyTo(candidates.Rows[start..]);
        pool.Cols.CopyTo(candidates.Cols[start..]);
        System.Numerics.Tensors.TensorPrimitives.Abs(pool.Momentum, candidates.Scores[start..]);
    }

    private void GrowFromDenseMomentum(ISparseLayer layer, TopologyContext context, GrowthCandidates candidates)
    {
        var opt = context.Optimizer ?? throw new InvalidOperationException("Sparse momentum reads the optimizer's momentum: pass the optimizer to TopologyScheduler.Step.");
        var topo = layer.Topology;
        var w = layer.WeightParameter;
        var momentum = opt.FindState(w, "momentum");
        var expAvg = momentum is null ? opt.FindState(w, "exp_avg") : null;
        var expAvgSq = momentum is null ? opt.FindState(w, "exp_avg_sq") : null;
        if (momentum is null && (expAvg is null || expAvgSq is null))
            throw new InvalidOperationException($"The optimizer keeps no 'momentum' or 'exp_avg'/'exp_avg_sq' for layer '{layer.LayerName}': use SGD with momentum > 0 or Adam.");
        if ((momentum ?? expAvg)!.Size != topo.Positions)
            throw new InvalidOperationException($"Layer '{layer.LayerName}' has no dense momentum: use masked layers (MaskedLinear/MaskedConv2d) with MaskGradients = false for the published sparse momentum.");
        int cols = topo.Cols;
        Buffers.Ensure(ref _columns, cols);
        for (int r = 0; r < topo.Rows; r++)
        {
            // Zero weights are the inactive positions plus those pruned at this update, as in the reference.
            int growable = context.GrowableColumns(topo, r, _columns);
            for (int i = 0; i < growable; i++)
            {
                int c = _columns[i];
                int idx = r * cols + c;
                float score = momentum is not null
                    ? MathF.Abs(momentum[idx])
                    : MathF.Abs(expAvg![idx] / (MathF.Sqrt(expAvgSq![idx]) + 1e-8f));
                candidates.Add(r, c, score);
            }
        }
    }

    /// <summary>One always-sparse layer's candidate pool and its momentum.</summary>
    private sealed class Pool
    {
        private int[] _rows = [];
        private int[] _cols = [];
        private float[] _momentum = [];

        public int Count { get; private set; }

        public ReadOnlySpan<int> Rows => _rows.AsSpan(0, Count);

        public ReadOnlySpan<int> Cols => _cols.AsSpan(0, Count);

        public Span<float> Momentum => _momentum.AsSpan(0, Count);

        public void Refill(CandidateSampler sampler, ISparseLayer layer, TopologyContext context)
        {
            Count = sampler.Sample(layer, context.Rng);
            Buffers.Ensure(ref _rows, Count);
            Buffers.Ensure(ref _cols, Count);
            Buffers.Ensure(ref _momentum, Count);
            sampler.Rows.CopyTo(_rows);
            sampler.Cols.CopyTo(_cols);
            Momentum.Clear();
        }

        public void Restore(int[] rows, int[] cols, float[] momentum)
        {
            if (cols.Length != rows.Length || momentum.Length != rows.Length)
                throw new InvalidDataException($"A sparse-momentum pool has {rows.Length} rows, {cols.Length} columns and {momentum.Length} momenta.");
            (_rows, _cols, _momentum, Count) = (rows, cols, momentum, rows.Length);
        }
    }
}
