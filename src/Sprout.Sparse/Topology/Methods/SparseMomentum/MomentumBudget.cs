// MomentumBudget: sparse momentum's redistribution (Dettmers & Zettlemoyer 2019; sparse_learning's truncate_weights):
// per layer l, m_l = mean |momentum| over its active entries, share r_l = m_l / Σm; prune ⌈p_l·nnz_l⌉ (p_l = p, or
// min(sparsity_l, p) for a layer under 20% sparsity with an above-average share), and regrow the total pruned in
// proportion to r_l, capped at 0.99·(zeros_l + pruned_l). Needs only O(nnz) statistics, so it works on CSR layers.
// Differences from the reference: the total is kept exactly by largest-remainder rounding and capacity spill-over
// (so its g_adj budget correction is unnecessary), and spill-over goes to the largest shares first, not evenly.
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>Per-layer drop and grow counts of sparse momentum's budget redistribution.</summary>
public sealed class MomentumBudget
{
    private float[] _momentum = [];
    private float[] _second = [];
    private double[] _share = [];
    private double[] _remainder = [];
    private long[] _cap = [];

    /// <summary>
    /// Fills <paramref name="dropCounts"/> and <paramref name="growCounts"/> [layers] for prune rate
    /// <paramref name="pruneRate"/>, from the optimizer's SGD "momentum" (or Adam exp_avg/(√exp_avg_sq + 1e-8)) at
    /// the active entries. The two spans have equal sums.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer keeps no momentum for a layer, or no layer has room for the budget.</exception>
    public void Plan(IReadOnlyList<ISparseLayer> layers, IOptimizerState optimizer, float pruneRate, Span<int> dropCounts, Span<int> growCounts)
    {
        int n = layers.Count;
        Buffers.Ensure(ref _share, n);
        Buffers.Ensure(ref _remainder, n);
        Buffers.Ensure(ref _cap, n);
        double total = 0;
        for (int l = 0; l < n; l++) total += _share[l] = MeanMomentum(layers[l], optimizer);
        long removed = 0;
        for (int l = 0; l < n; l++)
        {
            var topo = layers[l].Topology;
            _share[l] = total > 0 ? _share[l] / total : 1.0 / n;
            double sparsity = topo.Sparsity;
            double p = sparsity < 0.2 && _share[l] > 1.0 / n ? Math.Min(sparsity, pruneRate) : pruneRate;
            dropCounts[l] = (int)Math.Min(topo.Nnz, Math.Ceiling(p * topo.Nnz));
            removed += dropCounts[l];
            _cap[l] = (long)Math.Floor(0.99 * (topo.Positions - topo.Nnz + dropCounts[l]));
        }
        Allocate((int)removed, _share.AsSpan(0, n), _cap.AsSpan(0, n), growCounts, _remainder.AsSpan(0, n));
    }

    /// <summary>
    /// Splits <paramref name="budget"/> by <paramref name="share"/> exactly (largest remainder, ties to the earlier
    /// layer), then moves any excess over a layer's cap to layers with room, one per layer per round, largest share first.
    /// </summary>
    /// <exception cref="InvalidOperationException">The caps sum to less than the budget.</exception>
    public static void Allocate(int budget, ReadOnlySpan<double> share, ReadOnlySpan<long> cap, Span<int> result, Span<double> remainder)
    {
        int n = share.Length, given = 0;
        for (int l = 0; l < n; l++)
        {
            double exact = share[l] * budget;
            result[l] = (int)Math.Floor(exact);
            remainder[l] = exact - result[l];
            given += result[l];
        }
        for (; given < budget; given++)
        {
            int best = 0;
            for (int l = 1; l < n; l++) if (remainder[l] > remainder[best]) best = l;
            result[best]++;
            remainder[best] = -1;
        }
        long excess = 0;
        for (int l = 0; l < n; l++)
            if (result[l] > cap[l])
            {
                excess += result[l] - cap[l];
                result[l] = (int)cap[l];
            }
        // Spread the overflow one connection per layer per round over layers with room, largest share first (the
        // reference spreads it evenly).
        while (excess > 0)
        {
            bool placed = false;
            for (int rank = 0; rank < n && excess > 0; rank++)
            {
                int l = NthLargest(share, rank);
                if (result[l] >= cap[l]) continue;
                result[l]++;
                excess--;
                placed = true;
            }
            if (!placed) throw new InvalidOperationException($"No layer has room for {excess} more connections: the density target exceeds the layers' capacity.");
        }
    }

    /// <summary>Index of the rank-th largest share (ties to the earlier layer); O(n²), n is the number of layers.</summary>
    private static int NthLargest(ReadOnlySpan<double> share, int rank)
    {
        for (int l = 0; l < share.Length; l++)
        {
            int above = 0;
            for (int j = 0; j < share.Length; j++) if (share[j] > share[l] || (share[j] == share[l] && j < l)) above++;
            if (above == rank) return l;
        }
        throw new ArgumentOutOfRangeException(nameof(rank));
    }

    private double MeanMomentum(ISparseLayer layer, IOptimizerState optimizer)
    {
        int nnz = layer.Topology.Nnz;
        if (nnz == 0) return 0;
        Buffers.Ensure(ref _momentum, nnz);
        var m = _momentum.AsSpan(0, nnz);
        if (!layer.ReadActiveState(optimizer, "momentum", m))
        {
            Buffers.Ensure(ref _second, nnz);
            var v = _second.AsSpan(0, nnz);
            if (!layer.ReadActiveState(optimizer, "exp_avg", m) || !layer.ReadActiveState(optimizer, "exp_avg_sq", v))
                throw new InvalidOperationException($"Redistribution reads the optimizer's momentum, which it keeps none of for layer '{layer.LayerName}': use SGD with momentum > 0 or Adam.");
            for (int i = 0; i < nnz; i++) m[i] /= MathF.Sqrt(v[i]) + 1e-8f;
        }
        return System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes(m) / nnz;
    }
}
