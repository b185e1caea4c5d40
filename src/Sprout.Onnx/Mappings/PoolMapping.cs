// PoolMapping: MaxPool2d as MaxPool, AvgPool2d as AveragePool (count_include_pad = 1: Sprout, like PyTorch, counts
// padding as zeros in the average), both with floor output sizes as Sprout's Window2d; GlobalAvgPool2d as
// GlobalAveragePool then Flatten(axis 1), since Sprout's global pool already ends in [B, C] for the head.
using Sprout.Kernels;
using Sprout.Nn;
using Sprout.Onnx.Protos;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits the pooling modules.</summary>
public sealed class PoolMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph) => module switch
    {
        MaxPool2d m => graph.Node("MaxPool", [input], path + ".maxpool", Window(m.Window)),
        AvgPool2d a => graph.Node("AveragePool", [input], path + ".avgpool", [.. Window(a.Window), OnnxGraph.Int("count_include_pad", 1)]),
        GlobalAvgPool2d => graph.Node("Flatten", [graph.Node("GlobalAveragePool", [input], path + ".pool")], path + ".flatten", OnnxGraph.Int("axis", 1)),
        _ => null,
    };

    private static AttributeProto[] Window(Window2d w) =>
    [
        OnnxGraph.Ints("kernel_shape", w.KernelHeight, w.KernelWidth),
        OnnxGraph.Ints("strides", w.StrideHeight, w.StrideWidth),
        OnnxGraph.Ints("pads", w.PadHeight, w.PadWidth, w.PadHeight, w.PadWidth),
    ];
}
