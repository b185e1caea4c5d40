// RewoundMagnitude: a one-shot lottery ticket (Frankle & Carbin 2019, one round): score each weight of a trained dense
// model by |w|, keep the largest round(d_l·N_l) of layer l, and start the sparse model from the values those weights had
// at initialisation. Scores and starting values come from two builds of the same architecture (trained and initial),
// matched layer by layer through the module tree, so any model built from a layer factory works.
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;

namespace Sprout.Training.Sparsity;

/// <summary>Magnitude masks from trained weights, rewound to the initial ones.</summary>
public static class RewoundMagnitude
{
    /// <summary>
    /// One PrunedLayer per dense weight layer, keyed by module path: the largest-|w| positions of <paramref name="trained"/>
    /// (round(layerDensities[l]·N_l) in layer l, ties to the lower position) with <paramref name="initial"/>'s values there
    /// and <paramref name="initial"/>'s biases.
    /// </summary>
    /// <exception cref="ArgumentException">The two models' weight layers differ in path or shape, or the densities do not match them.</exception>
    public static Dictionary<string, PrunedLayer> Layers(Module trained, Module initial, IReadOnlyList<double> layerDensities)
    {
        ArgumentNullException.ThrowIfNull(layerDensities);
        var scored = DenseWeightLayers.Of(trained);
        var start = DenseWeightLayers.Of(initial);
        if (scored.Length != start.Length)
            throw new ArgumentException($"The trained model has {scored.Length} weight layers but the initial one {start.Length}.", nameof(initial));
        if (layerDensities.Count != scored.Length)
            throw new ArgumentException($"{layerDensities.Count} layer densities for {scored.Length} layers.", nameof(layerDensities));
        var masks = new CsrMatrix[scored.Length];
        for (int l = 0; l < scored.Length; l++)
        {
            var (path, weight, _) = scored[l];
            if (start[l].Path != path || !start[l].Weight.Shape.SequenceEqual(weight.Shape))
                throw new ArgumentException($"Layer {l}: the trained model has '{path}' [{string.Join("×", weight.Shape.ToArray())}], the initial one '{start[l].Path}' [{string.Join("×", start[l].Weight.Shape.ToArray())}].", nameof(initial));
            if (!(layerDensities[l] is >= 0 and <= 1))
                throw new ArgumentException($"Layer {l} ('{path}'): density {layerDensities[l]} is outside [0, 1].", nameof(layerDensities));
            int rows = weight.Dim(0), cols = weight.Dim(1);
            masks[l] = MaskSelection.TopK(weight.ToArray().Select(MathF.Abs).ToArray(), rows, cols, (long)Math.Round(layerDensities[l] * rows * cols));
        }
        return DenseWeightLayers.Pruned(initial, masks);
    }
}
