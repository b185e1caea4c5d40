// DstEe: Dynamic Sparse Training with Exploration–Exploitation (Huang et al., "Dynamic Sparse Training via
// Balancing the Exploration-Exploitation Trade-off", arXiv 2211.16667). RigL's skeleton (magnitude drop, cosine
// drop fraction) with the grow score |∂L/∂θ_i| + c·B(t, N_i): connections that have rarely been active get a bonus.
// Only the abstract was available (ALGORITHMS.md §2, all [U]), so the formula's pieces are options.
// Always-sparse by design (Sprout's adaptation, not the paper's): candidates are a GSE-style sampled subset and the
// counters N_i live in a hash map holding only connections that have ever been active (others have N = 0). The
// dense-candidate variant (every inactive position, as the paper presumably does with RigL's dense gradient) is
// offered for MaskedLinear only, where a dense gradient exists anyway.
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>
/// DST-EE: drop the smallest |θ|; grow the inactive positions with the highest
/// score_i = |g_i| / mean_S|g| + c·B(t, N_i), where t is the 1-based update round, N_i the number of completed
/// update rounds during which connection i was active, and S the candidate set.
/// </summary>
/// <remarks>
/// Defaults chosen for the unverified items: linear bonus ln t/(N+ε); ε = 1; c = 0.1 (with normalized |g|, a
/// never-active candidate at round 450, MNIST's last update with ΔT = 100, gets 0.61, about half a typical
/// normalized gradient, so exploitation still dominates among never-seen entries); t counts update rounds, like
/// N; |g| normalized per layer by its mean over the candidates (ALGORITHMS.md §2e: otherwise c depends on the
/// learning rate and the layer). Counters grow with the set of ever-active connections, O(ever-active) memory.
/// </remarks>
public sealed class DstEe : ITopologyUpdater, ILayerState
{
    private readonly Dictionary<ISparseLayer, Dictionary<long, int>> _counters = new(ReferenceEqualityComparer.Instance);
    private int[] _rows = [];
    private int[] _cols = [];
    private float[] _gradients = [];

    /// <summary>Creates DST-EE.</summary>
    /// <param name="exploration">c ≥ 0; 0 reduces to RigL on the same candidates.</param>
    /// <param name="bonus">Bonus form.</param>
    /// <param name="epsilon">ε &gt; 0 in N + ε.</param>
    /// <param name="normalizeGradient">Divide |g| by its mean over the layer's candidates.</param>
    /// <param name="sampler">Candidate subset sampler (default: uniform, γ = 1); null with <paramref name="allInactive"/>.</param>
    /// <param name="allInactive">Score every inactive position (dense; MaskedLinear only) instead of a sampled subset.</param>
    /// <exception cref="ArgumentOutOfRangeException">c &lt; 0 or ε ≤ 0.</exception>
    public DstEe(float exploration = 0.1f, ExplorationBonus bonus = ExplorationBonus.Linear, float epsilon = 1f,
        bool normalizeGradient = true, CandidateSampler? sampler = null, bool allInactive = false)
    {
        if (!(exploration >= 0f) || float.IsInfinity(exploration))
            throw new ArgumentOutOfRangeException(nameof(exploration), exploration, "The exploration strength c must be a finite number ≥ 0.");
        if (!(epsilon > 0f) || float.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be a positive number (it keeps ln t/(N+ε) finite for never-active connections).");
        Exploration = exploration;
        Bonus = bonus;
        Epsilon = epsilon;
        NormalizeGradient = normalizeGradient;
        AllInactive = allInactive;
        Sampler = sampler ?? new CandidateSampler();
    }

    /// <inheritdoc/>
    /// <remarks>Sampled-candidate gradients by SDDMM at update steps (the dense-candidate variant reads a masked layer's dense gradient).</remarks>
    public double ExtraMultiplyAdds(ISparseLayer layer, bool updated) =>
        updated && !AllInactive ? (double)Sampler.SubsetSize(layer.Topology.Nnz) * layer.CachedBatch : 0;

    /// <inheritdoc/>
    public string Name => "dst-ee";

    /// <summary>c.</summary>
    public float Exploration { get; }

    /// <summary>The bonus form.</summary>
    public ExplorationBonus Bonus { get; }

    /// <summary>ε.</summary>
    public float Epsilon { get; }

    /// <summary>Whether |g| is normalized per layer.</summary>
    public bool NormalizeGradient { get; }

    /// <summary>Whether every inactive position is a candidate (dense variant).</summary>
    public bool AllInactive { get; }

    /// <summary>The candidate sampler used when <see cref="AllInactive"/> is false.</summary>
    public CandidateSampler Sampler { get; }

    /// <summary>N for connection (row, col) of <paramref name="layer"/>: completed update rounds it was active in.</summary>
    public int ActiveRounds(ISparseLayer layer, int row, int col) =>
        _counters.TryGetValue(layer, out var map) ? map.GetValueOrDefault((long)row * layer.Topology.Cols + col) : 0;

    /// <summary>Number of connections of <paramref name="layer"/> that have a counter (ever active at an update).</summary>
    public int TrackedConnections(ISparseLayer layer) => _counters.TryGetValue(layer, out var map) ? map.Count : 0;

    /// <summary>B(t, N) for the configured form.</summary>
    public float BonusValue(int round, int activeRounds)
    {
        double ratio = Math.Log(round) / (activeRounds + Epsilon);
        return (float)(Bonus == ExplorationBonus.Ucb ? Math.Sqrt(ratio) : ratio);
    }

    /// <inheritdoc/>
    public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores) =>
        TopologyMechanism.MagnitudeScores(layer, scores);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">No cached batch, or the dense variant on an always-sparse layer.</exception>
    public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates)
    {
        if (layer.CachedBatch == 0)
            throw new InvalidOperationException($"DST-EE needs the gradient of the last batch, but layer '{layer.LayerName}' has none: call the topology scheduler after a forward and backward pass.");
        var topo = layer.Topology;
        ReadOnlySpan<int> rows, cols;
        Span<float> g;
        if (AllInactive)
        {
            if (layer.IsAlwaysSparse)
                throw new InvalidOperationException($"DST-EE's dense-candidate variant would enumerate all {topo.Positions} positions of always-sparse layer '{layer.LayerName}': use the sampled variant (allInactive: false) or masked layers (MaskedLinear/MaskedConv2d).");
            int m = EnumerateInactive(topo);
            rows = _rows.AsSpan(0, m);
            cols = _cols.AsSpan(0, m);
            Buffers.Ensure(ref _gradients, m);
            g = _gradients.AsSpan(0, m);
            if (m > 0) layer.GradientsAt(rows, cols, g);
        }
        else
        {
            Sampler.SampleWithGradients(layer, context.Rng);
            rows = Sampler.Rows;
            cols = Sampler.Cols;
            g = Sampler.Gradients;
        }
        int n = rows.Length;
        if (n == 0) return;
        System.Numerics.Tensors.TensorPrimitives.Abs(g, g);
        float scale = 1f;
        if (NormalizeGradient)
        {
            float mean = System.Numerics.Tensors.TensorPrimitives.Sum(g) / n;
            if (mean > 0f) scale = 1f / mean;
        }
        _counters.TryGetValue(layer, out var map);
        int round = context.UpdateIndex + 1;
        int start = candidates.Append(n);
        var cr = candidates.Rows[start..];
        var cc = candidates.Cols[start..];
        var cs = candidates.Scores[start..];
        for (int i = 0; i < n; i++)
        {
            int seen = map is null ? 0 : map.GetValueOrDefault((long)rows[i] * topo.Cols + cols[i]);
            cr[i] = rows[i];
            cc[i] = cols[i];
            cs[i] = g[i] * scale + Exploration * BonusValue(round, seen);
        }
    }

    /// <inheritdoc/>
    /// <remarks>N_i += 1 for every connection active after the update (ALGORITHMS.md §2b).</remarks>
    public void AfterRewire(ISparseLayer layer, TopologyChange change, TopologyContext context)
    {
        if (!_counters.TryGetValue(layer, out var map))
        {
            map = new Dictionary<long, int>(layer.Topology.Nnz * 2);
            _counters[layer] = map;
        }
        var topo = layer.Topology;
        var rp = topo.RowPointers;
        var ci = topo.ColumnIndices;
        for (int r = 0; r < topo.Rows; r++)
            for (int p = rp[r]; p < rp[r + 1]; p++)
            {
                ref int slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, (long)r * topo.Cols + ci[p], out _);
                slot++;
            }
    }

    /// <inheritdoc/>
    /// <remarks>The counters N as "dst_ee.counter_keys" (I64 row·cols + col, ascending) and "dst_ee.counter_rounds" (I32).</remarks>
    public void SaveState(ISparseLayer layer, StateDict state)
    {
        if (!_counters.TryGetValue(layer, out var map)) return;
        var keys = map.Keys.ToArray();
        Array.Sort(keys);
        var rounds = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++) rounds[i] = map[keys[i]];
        state.Add("dst_ee.counter_keys", keys);
        state.Add("dst_ee.counter_rounds", rounds);
    }

    /// <inheritdoc/>
    public void LoadState(ISparseLayer layer, StateDict state)
    {
        _counters.Remove(layer);
        if (!state.Contains("dst_ee.counter_keys")) return;
        var keys = state.Longs("dst_ee.counter_keys");
        var rounds = state.Ints("dst_ee.counter_rounds");
        if (keys.Length != rounds.Length) throw new InvalidDataException($"DST-EE counters of layer '{layer.LayerName}': {keys.Length} keys but {rounds.Length} counts.");
        var map = new Dictionary<long, int>(Math.Max(keys.Length, layer.Topology.Nnz * 2));
        for (int i = 0; i < keys.Length; i++) map[keys[i]] = rounds[i];
        _counters[layer] = map;
    }

    private int EnumerateInactive(CsrMatrix topo)
    {
        int inactive = (int)Math.Min(int.MaxValue, topo.Positions - topo.Nnz);
        Buffers.Ensure(ref _rows, inactive);
        Buffers.Ensure(ref _cols, inactive);
        return topo.CopyInactiveTo(_rows, _cols);
    }
}
