// FlattenMapping: Flatten keeps the batch axis and flattens the rest ([N, C, H, W] → [N, C·H·W]), ONNX Flatten with axis 1.
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits <see cref="Flatten"/> as ONNX Flatten(axis = 1).</summary>
public sealed class FlattenMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph) =>
        module is Flatten ? graph.Node("Flatten", [input], path + ".flatten", OnnxGraph.Int("axis", 1)) : null;
}
