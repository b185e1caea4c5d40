// LayerNormMapping: LayerNorm as ONNX LayerNormalization over the last axis (axis −1, Sprout's ε), y = (x − mean)/√(var + ε)·γ + β
// with the biased variance, as Sprout and PyTorch compute it. The op is in the standard domain from opset 17 on, the
// exporter's default; an export at a lower opset is refused rather than given a slower decomposition nobody asked for.
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="LayerNorm"/> as LayerNormalization.</summary>
public sealed class LayerNormMapping : IOnnxMapping
{
    /// <summary>The first opset of the standard domain with LayerNormalization.</summary>
    public const int MinimumOpset = 17;

    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        if (module is not LayerNorm ln) return null;
        if (graph.Options.Opset < MinimumOpset)
            throw new NotSupportedException($"LayerNorm at '{path}' needs ONNX opset {MinimumOpset} or later (LayerNormalization); the export asked for opset {graph.Options.Opset}.");
        long[] dims = [ln.Features];
        string scale = graph.Initializer(path + ".weight", dims, ln.Weight.Data);
        string shift = graph.Initializer(path + ".bias", dims, ln.Bias.Data);
        return graph.Node("LayerNormalization", [input, scale, shift], path + ".out", OnnxGraph.Int("axis", -1), OnnxGraph.Float("epsilon", ln.Epsilon));
    }
}
