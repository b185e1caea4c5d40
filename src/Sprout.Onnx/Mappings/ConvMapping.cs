// ConvMapping: every conv layer as one ONNX Conv node on NCHW values (Sprout runs convs FeatureMajor [C, B, H, W],
// ONNX [N, C, H, W]; the arithmetic is the same). The weight matrix [Cout × Cin·KH·KW] is stored as [Cout, Cin, KH, KW]:
// ConvShape's column (c·KH + kh)·KW + kw is exactly ONNX's row-major weight order, so no data moves. Dense Conv2d
// stores its weight; always-sparse SparseConv2d (CSR values) and MaskedConv2d (the weight at the mask's active
// entries) go through OnnxGraph.SparseMatrix, stored dense, as a sparse Constant or a sparse_initializer.
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Onnx.Mappings;

/// <summary>Emits Conv2d, SparseConv2d and MaskedConv2d as Conv.</summary>
public sealed class ConvMapping : IOnnxMapping
{
    /// <inheritdoc/>
    public string? Emit(Module module, string path, string input, OnnxGraph graph)
    {
        ConvShape shape;
        string weight;
        Sprout.Core.Tensor? bias;
        switch (module)
        {
            case Conv2d c:
                shape = c.Shape;
                weight = graph.Initializer(path + ".weight", Dims(shape), c.Weight.Data);
                bias = c.Bias;
                break;
            case SparseConv2d s:
                shape = s.Shape;
                weight = Csr(graph, path, shape, s.Topology, s.Values.Data);
                bias = s.Bias;
                break;
            case MaskedConv2d m:
                shape = m.Shape;
                var active = new float[m.Topology.Nnz];
                m.ReadActiveWeights(active);
                weight = Csr(graph, path, shape, m.Topology, active);
                bias = m.Bias;
                break;
            default:
                return null;
        }
        return Conv(graph, path, input, weight, bias, shape);
    }

    /// <summary>Adds the Conv node of a layer whose weight value (<paramref name="weight"/>, [Cout, Cin, KH, KW]) is already in the graph.</summary>
    public static string Conv(OnnxGraph graph, string path, string input, string weight, Sprout.Core.Tensor? bias, ConvShape shape)
    {
        List<string> inputs = [input, weight];
        if (bias is not null) inputs.Add(graph.Initializer(path + ".bias", [shape.OutChannels], bias.Data));
        return graph.Node("Conv", inputs, path + ".out",
            OnnxGraph.Ints("kernel_shape", shape.KernelHeight, shape.KernelWidth),
            OnnxGraph.Ints("strides", shape.Stride, shape.Stride),
            OnnxGraph.Ints("pads", shape.Padding, shape.Padding, shape.Padding, shape.Padding)); // begins (H, W), then ends
    }

    private static long[] Dims(ConvShape s) => [s.OutChannels, s.InChannels, s.KernelHeight, s.KernelWidth];

    private static string Csr(OnnxGraph graph, string path, ConvShape shape, CsrMatrix topology, ReadOnlySpan<float> values) =>
        graph.SparseMatrix(path + ".weight", topology.Rows, topology.Cols, topology.RowPointers, topology.ColumnIndices, values, Dims(shape));
}
