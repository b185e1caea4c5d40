// OnnxMappings: the mappings an export uses by default, one per family of modules. A new layer type (Conv2d,
// BatchNorm2d, MaxPool2d, AvgPool2d, LayerNorm, attention) is supported by appending one IOnnxMapping here.
using Sprout.Onnx.Mappings;

namespace Sprout.Onnx;

/// <summary>The default module → ONNX mappings.</summary>
public static class OnnxMappings
{
    /// <summary>Containers, fully connected layers, flatten and elementwise modules.</summary>
    public static IReadOnlyList<IOnnxMapping> Default { get; } =
        [new SequentialMapping(), new LinearMapping(), new FlattenMapping(), new ElementwiseMapping()];
}
