// SparseMlpBuilder: MLPs whose layer densities come from a DensityAllocation, and sparse MLPs whose topologies come
// from pruning masks of a dense twin (weights copied, so pruning-at-init keeps the scored initial weights as SNIP,
// GraSP and SynFlow do). Layer names are the Sequential paths ("1", "3", …) that SparseModels gives.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;

namespace Sprout.Training.Sparsity;

/// <summary>Builders for sparse MLPs from an allocation or from masks.</summary>
public static class SparseMlpBuilder
{
    /// <summary>Shapes (named by module path) of Flatten → (Linear → ReLU)* → Linear.</summary>
    public static LayerShape[] Shapes(int inputs, IReadOnlyList<int> hidden, int classes)
    {
        var shapes = new LayerShape[hidden.Count + 1];
        int width = inputs;
        for (int l = 0; l <= hidden.Count; l++)
        {
            int outF = l < hidden.Count ? hidden[l] : classes;
            shapes[l] = new LayerShape((1 + 2 * l).ToString(System.Globalization.CultureInfo.InvariantCulture), outF, width);
            width = outF;
        }
        return shapes;
    }

    /// <summary>A sparse MLP with per-layer densities from <paramref name="allocation"/> (density 1 → dense Linear).</summary>
    public static Sequential Build(int inputs, IReadOnlyList<int> hidden, int classes, DensityAllocationOptions allocation, Rng rng, SparseLayerKind kind)
    {
        var densities = DensityAllocation.Allocate(Shapes(inputs, hidden, classes), allocation);
        return SparseModels.Mlp(inputs, hidden, classes, densities, rng, kind);
    }

    /// <summary>
    /// A sparse MLP with the topology masks[l] for weight layer l of <paramref name="dense"/> (a Models.Mlp), copying the
    /// dense weights at the kept positions and the biases. A mask with every position kept gives a dense Linear.
    /// </summary>
    /// <exception cref="ArgumentException">The mask count or shapes do not match the dense model's linear layers.</exception>
    public static Sequential FromMasks(Sequential dense, IReadOnlyList<CsrMatrix> masks, SparseLayerKind kind, Rng rng)
    {
        var linears = dense.Layers.OfType<Linear>().ToArray();
        if (linears.Length != masks.Count) throw new ArgumentException($"{masks.Count} masks for {linears.Length} linear layers.", nameof(masks));
        var layers = new List<Module> { new Flatten() };
        for (int l = 0; l < linears.Length; l++)
        {
            var src = linears[l];
            var topo = masks[l].Clone();
            if (topo.Rows != src.OutFeatures || topo.Cols != src.InFeatures)
                throw new ArgumentException($"Mask {l} is {topo.Rows}×{topo.Cols} but layer {l} is {src.OutFeatures}×{src.InFeatures}.", nameof(masks));
            Module layer;
            if (topo.Nnz == topo.Positions)
            {
                var lin = new Linear(src.InFeatures, src.OutFeatures, rng);
                src.Weight.Data.CopyTo(lin.Weight.Data);
                src.Bias?.Data.CopyTo(lin.Bias!.Data);
                layer = lin;
            }
            else
            {
                var w = src.Weight.Data;
                var values = new float[topo.Nnz];
                for (int p = 0; p < topo.Nnz; p++) values[p] = w[(int)topo.LinearIndexOf(p)];
                if (kind == SparseLayerKind.Csr)
                {
                    var s = new SparseLinear(topo, rng);
                    values.CopyTo(s.Values.Data);
                    src.Bias?.Data.CopyTo(s.Bias!.Data);
                    layer = s;
                }
                else
                {
                    var m = new MaskedLinear(topo, rng);
                    m.Weight.Data.Clear();
                    for (int p = 0; p < topo.Nnz; p++) m.Weight.Data[(int)topo.LinearIndexOf(p)] = values[p];
                    src.Bias?.Data.CopyTo(m.Bias!.Data);
                    layer = m;
                }
            }
            layers.Add(layer);
            if (l < linears.Length - 1) layers.Add(new Relu());
        }
        return new Sequential(SparseModels.FuseSparseChains(layers)).WithSparseLayerNames();
    }

    /// <summary>The weights [out × in] and shapes of the linear layers of a dense MLP (for pruning scores).</summary>
    public static (float[][] Weights, (int Rows, int Cols)[] Shapes) DenseWeights(Sequential dense)
    {
        var linears = dense.Layers.OfType<Linear>().ToArray();
        return (linears.Select(l => l.Weight.ToArray()).ToArray(), linears.Select(l => (l.OutFeatures, l.InFeatures)).ToArray());
    }
}
