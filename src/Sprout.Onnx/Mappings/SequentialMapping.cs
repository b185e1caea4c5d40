// SequentialMapping: a Sequential is its children in order; each child's path is "<path>.<index>" (the module
// paths of parameter names), so ONNX initializers carry the checkpoint's names.
using Sprout.Nn;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits a <see cref="Sequential"/>'s children in order.</summary>
public sealed class SequentialMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        if (module is not Sequential sequential) return null;
        string x = input;
        foreach (var (name, child) in sequential.Children) x = graph.Emit(child, path.Length == 0 ? name : path + "." + name, x);
        return x;
    }
}
