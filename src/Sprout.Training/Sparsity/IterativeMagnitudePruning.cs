// IterativeMagnitudePruning: the lottery-ticket procedure (Frankle & Carbin, "The Lottery Ticket Hypothesis", ICLR
// 2019) as a multi-round driver: train, prune the smallest-|w| surviving weights globally, rewind survivors to their
// initial values θ0, retrain. Round 0 trains dense; round r trains at density d^{r/R}, so the last round trains at
// the target density d. Training is the caller's (a delegate), so any loop can be used; the model is any builder's
// (layers are matched by module path, nested blocks included). The all-ones mask of
// round 0 is O(dense): IMP starts from a dense network by definition.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;

namespace Sprout.Training.Sparsity;

/// <summary>Lottery-ticket IMP with rewinding to θ0.</summary>
public static class IterativeMagnitudePruning
{
    /// <summary>
    /// Runs 1 + <paramref name="rounds"/> trainings of <paramref name="initial"/> (θ0, built by <paramref name="build"/> with a
    /// DenseLayerFactory; it is not modified): the first dense, then at densities d^{r/rounds}. Each round's model is built by
    /// <paramref name="build"/> with a <see cref="PrunedLayerFactory"/>; <paramref name="train"/> trains it in place and returns a metric.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rounds &lt; 1 or density ∉ (0, 1).</exception>
    public static IReadOnlyList<ImpRound> Run(Module initial, Func<ILayerFactory, Module> build, double density, int rounds, SparseLayerKind kind,
        Func<Module, int, double> train, Rng rng, TextWriter? log = null)
    {
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "IMP needs at least one pruning round.");
        if (!(density is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(density), density, "The target density must be in (0, 1).");
        var paths = DenseWeightLayers.Of(initial).Select(l => l.Path).ToArray();
        var (_, shapes) = DenseWeightLayers.Weights(initial);
        var masks = shapes.Select(s => CsrMatrix.FromEntries(s.Rows, s.Cols,
            Enumerable.Range(0, s.Rows * s.Cols).Select(i => i / s.Cols).ToArray(), Enumerable.Range(0, s.Rows * s.Cols).Select(i => i % s.Cols).ToArray())).ToArray();
        long total = shapes.Sum(s => (long)s.Rows * s.Cols);
        var results = new List<ImpRound>();
        for (int r = 0; r <= rounds; r++)
        {
            var model = build(new PrunedLayerFactory(DenseWeightLayers.Pruned(initial, masks), rng, kind)).WithSparseLayerNames(); // rewound: θ0 at the surviving positions
            double metric = train(model, r);
            results.Add(new ImpRound(r, masks.Sum(m => (long)m.Nnz) / (double)total, metric));
            log?.WriteLine($"IMP round {r}: density {results[^1].Density:0.####}, metric {metric:0.####}");
            if (r == rounds) break;
            // Global magnitude over the trained survivors picks the next mask.
            double next = Math.Pow(density, (double)(r + 1) / rounds);
            var scores = TrainedScores(model, paths, shapes);
            masks = MaskSelection.GlobalTopK(scores, shapes, (long)Math.Round(next * total));
        }
        return results;
    }

    private static float[][] TrainedScores(Module model, string[] paths, (int Rows, int Cols)[] shapes)
    {
        var scores = shapes.Select(s => Enumerable.Repeat(-1f, s.Rows * s.Cols).ToArray()).ToArray();
        foreach (var (path, m) in model.NamedModules())
        {
            int l = Array.IndexOf(paths, path);
            if (l < 0) continue;
            switch (m)
            {
                case Linear lin:
                    for (int i = 0; i < lin.Weight.Size; i++) scores[l][i] = MathF.Abs(lin.Weight[i]);
                    break;
                case Conv2d conv: // a layer still fully dense (every position kept)
                    for (int i = 0; i < conv.Weight.Size; i++) scores[l][i] = MathF.Abs(conv.Weight[i]);
                    break;
                case ISparseLayer s:
                    var w = new float[s.Topology.Nnz];
                    s.ReadActiveWeights(w);
                    for (int p = 0; p < w.Length; p++) scores[l][(int)s.Topology.LinearIndexOf(p)] = MathF.Abs(w[p]);
                    break;
            }
        }
        return scores;
    }
}
