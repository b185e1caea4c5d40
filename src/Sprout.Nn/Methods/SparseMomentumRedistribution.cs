// SparseMomentumRedistribution: the full published sparse-momentum update (Dettmers & Zettlemoyer 2019,
// sparse_learning's truncate_weights) on MaskedLinear layers, including what the per-layer TopologyMechanism cannot
// do: hand the freed budget to layers in proportion to the mean |momentum| of their active weights, so per-layer nnz
// changes while the total stays exact. Dense by design (it ranks dense momentum), like the paper.
// Differences from the reference: the total is kept exactly by largest-remainder rounding and capacity spill-over,
// so the g_adj budget correction is unnecessary; growth ranks zero positions only (ALGORITHMS.md §3e).
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>One epoch-end sparse-momentum update over a set of MaskedLinear layers.</summary>
public static class SparseMomentumRedistribution
{
    /// <summary>
    /// Prunes ⌈p_l·nnz_l⌉ smallest-|w| weights per layer (p_l = pruneRate, or min(sparsity, pruneRate) for a dense-ish
    /// layer with an above-average momentum share), redistributes their total by r_l = m_l/Σm (m_l = mean |M| over
    /// active entries; capped at 0.99·(zeros + removed)), and regrows each layer's share at the zero positions with the
    /// largest |M|. New weights are 0; momentum is kept. Returns the per-layer regrowth counts.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer has no dense "momentum" for a layer.</exception>
    public static int[] Update(IReadOnlyList<MaskedLinear> layers, IOptimizerState optimizer, float pruneRate)
    {
        int L = layers.Count;
        var momentum = new Tensor[L];
        var mean = new double[L];
        var removed = new int[L];
        var zeros = new long[L];
        for (int l = 0; l < L; l++)
        {
            var layer = layers[l];
            momentum[l] = optimizer.FindState(layer.Weight, "momentum")
                ?? throw new InvalidOperationException($"Layer '{layer.LayerName}' has no momentum: use SGD with momentum > 0 and MaskGradients = false.");
            var m = momentum[l].Data;
            var mask = layer.Mask.Data;
            double sum = 0;
            int nnz = 0;
            for (int i = 0; i < m.Length; i++) if (mask[i] == 1f) { sum += Math.Abs(m[i]); nnz++; }
            mean[l] = nnz > 0 ? sum / nnz : 0;
            zeros[l] = m.Length - nnz;
        }
        double total = mean.Sum();
        var share = mean.Select(v => total > 0 ? v / total : 1.0 / L).ToArray();
        var newMasks = new float[L][];
        for (int l = 0; l < L; l++)
        {
            var layer = layers[l];
            int nnz = layer.Topology.Nnz;
            double sparsity = 1 - layer.Topology.Density;
            double p = sparsity < 0.2 && share[l] > 1.0 / L ? Math.Min(sparsity, pruneRate) : pruneRate;
            removed[l] = Math.Min(nnz, (int)Math.Ceiling(p * nnz));
            newMasks[l] = layer.Mask.Data.ToArray();
            // Prune: the removed[l] active entries with the smallest |w| (ties by position).
            var w = layer.Weight.ToArray(); // epoch-end copy: the ranking is dense anyway
            var active = Enumerable.Range(0, w.Length).Where(i => newMasks[l][i] == 1f)
                .OrderBy(i => Math.Abs(w[i])).ThenBy(i => i).Take(removed[l]);
            foreach (int i in active) newMasks[l][i] = 0f;
        }
        var regrow = Allocate(removed.Sum(), share, l => (long)Math.Floor(0.99 * (zeros[l] + removed[l])));
        for (int l = 0; l < L; l++)
        {
            var m = momentum[l].ToArray();
            var mask = newMasks[l];
            var grow = Enumerable.Range(0, mask.Length).Where(i => mask[i] == 0f)
                .OrderByDescending(i => Math.Abs(m[i])).ThenBy(i => i).Take(regrow[l]).ToArray();
            foreach (int i in grow) { mask[i] = 1f; layers[l].Weight[i] = 0f; }
            // A regrown just-pruned weight restarts at 0 too, as in the reference (pruning zeroed it first).
            layers[l].SetMask(mask);
        }
        return regrow;
    }

    /// <summary>Splits <paramref name="budget"/> by <paramref name="share"/> exactly (largest remainder), then moves any excess over a layer's cap to layers with room.</summary>
    public static int[] Allocate(int budget, IReadOnlyList<double> share, Func<int, long> cap)
    {
        int L = share.Count;
        var result = new int[L];
        var frac = new double[L];
        int given = 0;
        for (int l = 0; l < L; l++)
        {
            double exact = share[l] * budget;
            result[l] = (int)Math.Floor(exact);
            frac[l] = exact - result[l];
            given += result[l];
        }
        foreach (int l in Enumerable.Range(0, L).OrderByDescending(l => frac[l]).ThenBy(l => l).Take(budget - given)) result[l]++;
        int excess = 0;
        for (int l = 0; l < L; l++)
        {
            long c = cap(l);
            if (result[l] > c) { excess += result[l] - (int)c; result[l] = (int)c; }
        }
        // Spread the overflow one by one over layers with room, largest share first (the reference spreads evenly).
        while (excess > 0)
        {
            bool placed = false;
            foreach (int l in Enumerable.Range(0, L).OrderByDescending(l => share[l]).ThenBy(l => l))
            {
                if (excess == 0) break;
                if (result[l] < cap(l)) { result[l]++; excess--; placed = true; }
            }
            if (!placed) throw new InvalidOperationException($"No layer has room for {excess} more connections: the density target exceeds the layers' capacity.");
        }
        return result;
    }
}
