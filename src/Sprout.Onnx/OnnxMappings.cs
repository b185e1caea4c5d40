// OnnxMappings: the mappings an export uses by default, one per family of modules. A new layer type is supported by
// appending one IOnnxMapping here.
using Sprout.Onnx.Mappings;

namespace Sprout.Onnx;

/// <summary>The default module → ONNX mappings.</summary>
public static class OnnxMappings
{
    /// <summary>
    /// Containers, fully connected and conv layers, BatchNorm, pooling, residual blocks, flatten and elementwise modules,
    /// LayerNorm and the vision transformer (SimpleVit and its blocks).
    /// </summary>
    public static IReadOnlyList<IOnnxMapping> Default { get; } =
    [
        new SequentialMapping(), new LinearMapping(), new ConvMapping(), new TopKastConvMapping(), new BatchNormMapping(), new PoolMapping(),
        new ResidualBlockMapping(), new FlattenMapping(), new ElementwiseMapping(), new LayerNormMapping(), new VitMapping(), new VitBlockMapping(),
    ];
}
