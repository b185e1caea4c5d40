// DenseWeightLayers: the dense Linear layers of any model built from a layer factory, found through the module
// tree by path (so layers nested in blocks count), and the bridge from pruning masks over them to a
// PrunedLayerFactory (starting weights = the dense weights at the kept positions). Pruning at init, GMP and IMP
// score a dense model and then build the sparse one by running the same model builder with that factory.
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Training.Sparsity;

/// <summary>Dense weight layers of a model, by module path, and masks over them.</summary>
public static class DenseWeightLayers
{
    /// <summary>The dense Linear layers of <paramref name="model"/> with their module paths, in forward order.</summary>
    /// <exception cref="ArgumentException">The model has no dense Linear layer.</exception>
    public static (string Path, Linear Layer)[] Of(Module model)
    {
        var layers = model.LayersOf<Linear>();
        if (layers.Length == 0) throw new ArgumentException("The model has no dense Linear layers to score; build it with a DenseLayerFactory.", nameof(model));
        return layers;
    }

    /// <summary>The weights [out × in] and shapes of <paramref name="model"/>'s dense layers (for pruning scores).</summary>
    public static (float[][] Weights, (int Rows, int Cols)[] Shapes) Weights(Module model)
    {
        var layers = Of(model);
        return (layers.Select(l => l.Layer.Weight.ToArray()).ToArray(), layers.Select(l => (l.Layer.OutFeatures, l.Layer.InFeatures)).ToArray());
    }

    /// <summary>
    /// The topologies masks[l] for dense layer l of <paramref name="dense"/>, with that layer's weights at the kept positions
    /// and its bias, keyed by module path: what <see cref="PrunedLayerFactory"/> builds the sparse model from.
    /// </summary>
    /// <exception cref="ArgumentException">The mask count or shapes do not match the model's dense layers.</exception>
    public static Dictionary<string, PrunedLayer> Pruned(Module dense, IReadOnlyList<CsrMatrix> masks)
    {
        var layers = Of(dense);
        if (layers.Length != masks.Count) throw new ArgumentException($"{masks.Count} masks for {layers.Length} linear layers.", nameof(masks));
        var result = new Dictionary<string, PrunedLayer>(StringComparer.Ordinal);
        for (int l = 0; l < layers.Length; l++)
        {
            var (path, src) = layers[l];
            var topo = masks[l].Clone();
            if (topo.Rows != src.OutFeatures || topo.Cols != src.InFeatures)
                throw new ArgumentException($"Mask {l} is {topo.Rows}×{topo.Cols} but layer '{path}' is {src.OutFeatures}×{src.InFeatures}.", nameof(masks));
            var w = src.Weight.Data;
            for (int p = 0; p < topo.Nnz; p++) topo.Values[p] = w[(int)topo.LinearIndexOf(p)];
            result[path] = new PrunedLayer(topo, src.Bias?.ToArray());
        }
        return result;
    }
}
