// PrunedLayerFactory: layers whose topology and starting weights were chosen before they exist: pruning at
// initialisation (SNIP, GraSP, SynFlow, magnitude: the scored initial weights are kept), IMP's rewinding to θ0
// and GMP's export of its final masks. The model builder is run again with this factory; each layer at a path
// with a given PrunedLayer gets that topology, its values and bias; a topology with every position kept gives a
// dense Linear or Conv2d. Layers at other paths are delegated to the fallback factory (e.g. a dense one).
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Builds CSR or masked layers from given topologies and weights, keyed by module path.</summary>
/// <param name="layers">Topology (its Values are the starting weights) and bias per module path.</param>
/// <param name="rng">Stream for the layers' own init (drawn and then overwritten, as a fresh layer would draw).</param>
/// <param name="kind">CSR (always-sparse) or masked.</param>
/// <param name="fallback">Factory for paths without a PrunedLayer; null rejects them.</param>
public sealed class PrunedLayerFactory(IReadOnlyDictionary<string, PrunedLayer> layers, Rng rng, SparseLayerKind kind, ILayerFactory? fallback = null)
    : LayerFactory
{
    /// <inheritdoc/>
    /// <exception cref="ArgumentException">No PrunedLayer for the path and no fallback, or a shape that differs from the layer asked for.</exception>
    protected override Module CreateLinear(string path, int inFeatures, int outFeatures, bool bias)
    {
        if (!layers.TryGetValue(path, out var given))
            return fallback?.Linear(path, inFeatures, outFeatures, bias)
                ?? throw new ArgumentException($"No pruned topology for layer '{path}'; the masks must come from the same model builder.", nameof(path));
        var topo = given.Topology.Clone();
        if (topo.Rows != outFeatures || topo.Cols != inFeatures)
            throw new ArgumentException($"The pruned topology for '{path}' is {topo.Rows}×{topo.Cols} but the layer is {outFeatures}×{inFeatures}.", nameof(path));
        var values = topo.Values.AsSpan(0, topo.Nnz).ToArray(); // the layer constructors re-initialize Values
        if (topo.Nnz == topo.Positions)
        {
            var lin = new Linear(inFeatures, outFeatures, rng, bias);
            for (int p = 0; p < values.Length; p++) lin.Weight.Data[(int)topo.LinearIndexOf(p)] = values[p];
            CopyBias(given, lin.Bias);
            return lin;
        }
        if (kind == SparseLayerKind.Csr)
        {
            var s = new SparseLinear(topo, rng, bias);
            values.CopyTo(s.Values.Data);
            CopyBias(given, s.Bias);
            return s;
        }
        var m = new MaskedLinear(topo, rng, bias);
        m.Weight.Data.Clear();
        for (int p = 0; p < values.Length; p++) m.Weight.Data[(int)topo.LinearIndexOf(p)] = values[p];
        CopyBias(given, m.Bias);
        return m;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">No PrunedLayer for the path and no fallback, or a shape that differs from the layer asked for.</exception>
    protected override Module CreateConv2d(string path, ConvShape shape, bool bias, ConvInit init)
    {
        if (!layers.TryGetValue(path, out var given))
            return fallback?.Conv2d(path, shape, bias, init)
                ?? throw new ArgumentException($"No pruned topology for conv layer '{path}'; the masks must come from the same model builder.", nameof(path));
        var topo = given.Topology.Clone();
        if (topo.Rows != shape.OutChannels || topo.Cols != shape.FanIn)
            throw new ArgumentException($"The pruned topology for '{path}' is {topo.Rows}×{topo.Cols} but the conv {shape} is {shape.OutChannels}×{shape.FanIn}.", nameof(path));
        var values = topo.Values.AsSpan(0, topo.Nnz).ToArray(); // the layer constructors re-initialize Values
        if (topo.Nnz == topo.Positions)
        {
            var conv = new Conv2d(shape, rng, bias);
            for (int p = 0; p < values.Length; p++) conv.Weight.Data[(int)topo.LinearIndexOf(p)] = values[p];
            CopyBias(given, conv.Bias);
            return conv;
        }
        if (kind == SparseLayerKind.Csr)
        {
            var s = new SparseConv2d(shape, topo, rng, bias);
            values.CopyTo(s.Values.Data);
            CopyBias(given, s.Bias);
            return s;
        }
        var m = new MaskedConv2d(shape, topo, rng, bias);
        m.Weight.Data.Clear();
        for (int p = 0; p < values.Length; p++) m.Weight.Data[(int)topo.LinearIndexOf(p)] = values[p];
        CopyBias(given, m.Bias);
        return m;
    }

    private static void CopyBias(PrunedLayer given, Tensor? bias)
    {
        if (given.Bias is null || bias is null) return;
        if (given.Bias.Length != bias.Size) throw new ArgumentException($"A pruned bias has {given.Bias.Length} entries but the layer has {bias.Size} outputs.");
        given.Bias.CopyTo(bias.Data);
    }
}
