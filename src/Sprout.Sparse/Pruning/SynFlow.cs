// SynFlow: Iterative Synaptic Flow Pruning (Tanaka, Kunin, Yamins, Ganguli, "Pruning neural networks without any
// data by iteratively conserving synaptic flow", NeurIPS 2020). Data-free: with every weight replaced by |θ| and an
// all-ones input, R = 1ᵀ(∏|W_l|)1 and the score of θ is |θ ⊙ ∂R/∂θ|. For a chain of linear layers with ReLU the
// activations are all positive, so ReLU is the identity and ∂R/∂W_l[j,i] = g_l[j]·a_{l−1}[i] with a the forward
// activations and g the backward "flow"; we compute these directly in float64 instead of through autograd.
// Pruning is iterative: 100 rounds, after round k the density is d^{k/100} (exponential schedule), one global top-k
// per round. Dense [Rows × Cols] score arrays: a one-off at initialisation, not the always-sparse path.
namespace Sprout.Sparse.Pruning;

/// <summary>SynFlow pruning of a linear-layer chain (weights [out × in] row-major, layer l+1 consumes layer l's output).</summary>
public static class SynFlow
{
    /// <summary>
    /// Global SynFlow masks at final density <paramref name="density"/> after <paramref name="rounds"/> rounds.
    /// Biases, when given, enter as |b| (as the reference code takes |·| of every parameter) but are never pruned.
    /// Layers in <paramref name="denseLayers"/> are kept whole and outside the budget (density of the other layers).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes do not chain, a weight array has the wrong length, density ∉ (0, 1] or rounds &lt; 1.</exception>
    public static CsrMatrix[] Prune(IReadOnlyList<float[]> weights, IReadOnlyList<(int Rows, int Cols)> shapes, double density,
        int rounds = 100, IReadOnlyList<float[]?>? biases = null, IReadOnlySet<int>? denseLayers = null)
    {
        if (!(density is > 0 and <= 1)) throw new ArgumentException($"density must be in (0, 1], was {density}.", nameof(density));
        if (rounds < 1) throw new ArgumentException($"rounds must be ≥ 1, was {rounds}.", nameof(rounds));
        int n = weights.Count;
        if (shapes.Count != n) throw new ArgumentException($"{n} weights for {shapes.Count} shapes.", nameof(shapes));
        for (int l = 0; l < n; l++)
        {
            if (weights[l].LongLength != (long)shapes[l].Rows * shapes[l].Cols) throw new ArgumentException($"Layer {l}: {weights[l].Length} weights for {shapes[l].Rows}×{shapes[l].Cols}.", nameof(weights));
            if (l > 0 && shapes[l].Cols != shapes[l - 1].Rows) throw new ArgumentException($"Layer {l} takes {shapes[l].Cols} inputs but layer {l - 1} has {shapes[l - 1].Rows} outputs.", nameof(shapes));
        }
        var abs = weights.Select(w => w.Select(MathF.Abs).ToArray()).ToArray();
        var keepMask = weights.Select(w => Enumerable.Repeat(true, w.Length).ToArray()).ToArray();
        var scores = weights.Select(w => new float[w.Length]).ToArray();
        CsrMatrix[] masks = [];
        for (int k = 1; k <= rounds; k++)
        {
            Score(abs, keepMask, shapes, biases, scores);
            masks = MaskSelection.GlobalTopK(scores, shapes, Math.Pow(density, (double)k / rounds), denseLayers);
            for (int l = 0; l < n; l++)
            {
                Array.Clear(keepMask[l]);
                var t = masks[l];
                for (int p = 0; p < t.Nnz; p++) keepMask[l][t.LinearIndexOf(p)] = true;
            }
        }
        return masks;
    }

    /// <summary>Synaptic flow R of the masked |θ| network (1ᵀ output for an all-ones input); 0 means some output is unreachable from all inputs.</summary>
    public static double[] OutputFlow(IReadOnlyList<float[]> weights, IReadOnlyList<CsrMatrix> masks)
    {
        var a = Enumerable.Repeat(1.0, masks[0].Cols).ToArray();
        for (int l = 0; l < masks.Count; l++)
        {
            var t = masks[l];
            var next = new double[t.Rows];
            for (int p = 0; p < t.Nnz; p++) next[t.RowOf(p)] += Math.Abs(weights[l][t.LinearIndexOf(p)]) * a[t.ColumnIndices[p]];
            a = next;
        }
        return a;
    }

    private static void Score(float[][] abs, bool[][] keep, IReadOnlyList<(int Rows, int Cols)> shapes, IReadOnlyList<float[]?>? biases, float[][] scores)
    {
        int n = abs.Length;
        var acts = new double[n + 1][];
        acts[0] = Enumerable.Repeat(1.0, shapes[0].Cols).ToArray();
        for (int l = 0; l < n; l++)
        {
            var (rows, cols) = shapes[l];
            var y = new double[rows];
            var b = biases?[l];
            for (int r = 0; r < rows; r++)
            {
                double s = b is null ? 0 : Math.Abs(b[r]);
                for (int c = 0; c < cols; c++)
                    if (keep[l][r * cols + c]) s += abs[l][r * cols + c] * acts[l][c];
                y[r] = s;
            }
            acts[l + 1] = y;
        }
        double flow = acts[n].Sum();
        double norm = flow > 0 ? 1.0 / flow : 1.0; // normalising by R keeps float64 scores in range; ranking is unchanged
        var g = Enumerable.Repeat(1.0, shapes[n - 1].Rows).ToArray();
        for (int l = n - 1; l >= 0; l--)
        {
            var (rows, cols) = shapes[l];
            var gin = new double[cols];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    int i = r * cols + c;
                    if (!keep[l][i])
                    {
                        scores[l][i] = -1f; // already pruned: never comes back
                        continue;
                    }
                    scores[l][i] = (float)(abs[l][i] * g[r] * acts[l][c] * norm);
                    gin[c] += abs[l][i] * g[r];
                }
            g = gin;
        }
    }
}
