// DenseWeightLayers: the dense weight layers (Linear and Conv2d; a conv's weight is the matrix [Cout × Cin·KH·KW]) of
// any model built from a layer factory, found through the module tree by path (so layers nested in blocks count), and the bridge from pruning masks over them to a
// PrunedLayerFactory (starting weights = the dense weights at the kept positions). Pruning at init, GMP and IMP
// score a dense model and then build the sparse one by running the same model builder with that factory.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Training.Sparsity;

/// <summary>Dense weight layers of a model, by module path, and masks over them.</summary>
public static class DenseWeightLayers
{
    /// <summary>
    /// The dense Linear and Conv2d layers of <paramref name="model"/> with their module paths, weight matrices [Rows × Cols]
    /// (a conv's is [Cout × Cin·KH·KW]) and biases, in build order.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no dense weight layer.</exception>
    public static (string Path, Tensor Weight, Tensor? Bias)[] Of(Module model)
    {
        var layers = model.NamedModules()
            .Select(p => p.Module switch
            {
                Linear l => (p.Path, l.Weight, l.Bias),
                Conv2d c => (p.Path, c.Weight, c.Bias),
                _ => (p.Path, Weight: (Tensor?)null, Bias: (Tensor?)null),
            })
            .Where(l => l.Weight is not null)
            .Select(l => (l.Path, l.Weight!, l.Bias))
            .ToArray();
        if (layers.Length == 0) throw new ArgumentException("The model has no dense Linear or Conv2d layers to score; build it with a DenseLayerFactory.", nameof(model));
        return layers;
    }

    /// <summary>The weights [Rows × Cols] and shapes of <paramref name="model"/>'s dense layers (for pruning scores).</summary>
    public static (float[][] Weights, (int Rows, int Cols)[] Shapes) Weights(Module model)
    {
        var layers = Of(model);
        return (layers.Select(l => l.Weight.ToArray()).ToArray(), layers.Select(l => (l.Weight.Dim(0), l.Weight.Dim(1))).ToArray());
    }

    /// <summary>
    /// The topologies masks[l] for dense layer l of <paramref name="dense"/>, with that layer's weights at the kept positions
    /// and its bias, keyed by module path: what <see cref="PrunedLayerFactory"/> builds the sparse model from.
    /// </summary>
    /// <exception cref="ArgumentException">The mask count or shapes do not match the model's dense layers.</exception>
    public static Dictionary<string, PrunedLayer> Pruned(Module dense, IReadOnlyList<CsrMatrix> masks)
    {
        var layers = Of(dense);
        if (layers.Length != masks.Count) throw new ArgumentException($"{masks.Count} masks for {layers.Length} weight layers.", nameof(masks));
        var result = new Dictionary<string, PrunedLayer>(StringComparer.Ordinal);
        for (int l = 0; l < layers.Length; l++)
        {
            var (path, weight, bias) = layers[l];
            var topo = masks[l].Clone();
            if (topo.Rows != weight.Dim(0) || topo.Cols != weight.Dim(1))
                throw new ArgumentException($"Mask {l} is {topo.Rows}×{topo.Cols} but layer '{path}' is {weight.Dim(0)}×{weight.Dim(1)}.", nameof(masks));
            var w = weight.Data;
            for (int p = 0; p < topo.Nnz; p++) topo.Values[p] = w[(int)topo.LinearIndexOf(p)];
            result[path] = new PrunedLayer(topo, bias?.ToArray());
        }
        return result;
    }
}
