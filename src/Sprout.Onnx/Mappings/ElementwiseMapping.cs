// ElementwiseMapping: shape-preserving modules: activations (Relu, Tanh, Sigmoid, Swish as x·sigmoid(βx)), and the
// modules that are identities at inference (Dropout in evaluation mode, FusedRelu whose ReLU the previous sparse
// layer applied), which emit nothing.
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits activations; passes inference-time identities through.</summary>
public sealed class ElementwiseMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph) => module switch
    {
        Relu => graph.Node("Relu", [input], path + ".relu"),
        Tanh => graph.Node("Tanh", [input], path + ".tanh"),
        Sigmoid => graph.Node("Sigmoid", [input], path + ".sigmoid"),
        Swish s => graph.Node("Mul", [input, graph.Node("Sigmoid", [s.Beta == 1f ? input : graph.Node("Mul", [input, graph.Initializer(path + ".beta", [], [s.Beta])], path + ".beta_x")], path + ".sigmoid")], path + ".swish"),
        Dropout or FusedRelu => input,
        _ => null,
    };
}
