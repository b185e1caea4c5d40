// SequentialMapping: a Sequential is its children in order; each child's path is "<path>.<index>" (the module
// paths of parameter names), so ONNX initializers carry the checkpoint's names. A ConvNet is its layers in order
// too: its one input reorder (BatchMajor → FeatureMajor [C, B, H, W]) has no ONNX counterpart, since the graph input
// is already NCHW and ONNX's conv ops take NCHW.
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits a <see cref="Sequential"/>'s or a <see cref="ConvNet"/>'s children in order.</summary>
public sealed class SequentialMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        if (module is not (Sequential or ConvNet)) return null;
        string x = input;
        foreach (var (name, child) in module.Children) x = graph.Emit(child, path.Length == 0 ? name : path + "." + name, x);
        return x;
    }
}
