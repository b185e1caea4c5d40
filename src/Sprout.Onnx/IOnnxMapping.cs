// IOnnxMapping: how one kind of Sprout module becomes ONNX nodes. The exporter asks each mapping in turn; the first
// that recognises the module emits its nodes and returns the name of its output value. Adding a layer type to the
// exporter is one class implementing this (and one entry in OnnxMappings.Default): a conv layer emits a Conv node
// with its [Cout × Cin·KH·KW] weight reshaped to [Cout, Cin, KH, KW] (ConvShape's column order is exactly ONNX's
// row-major weight order), BatchNorm a BatchNormalization node with its running statistics, a pool a MaxPool or
// AveragePool node.
using Sprout.Nn;

namespace Sprout.Onnx;

/// <summary>Emits the ONNX nodes of one kind of module.</summary>
public interface IOnnxMapping
{
    /// <summary>
    /// Emits <paramref name="module"/> (at module path <paramref name="path"/>, reading the value <paramref name="input"/>)
    /// into <paramref name="graph"/> and returns its output value's name, or null when this mapping does not handle the module.
    /// </summary>
    string? Emit(Module module, string path, string input, OnnxGraph graph);
}
