// OnnxExporter: a trained Sprout model as an ONNX ModelProto (float32, inputs [N, …sample shape], outputs the
// logits [N, classes], batch size symbolic). Modules become nodes through the mappings (OnnxMappings.Default unless
// given), so the exporter itself knows no layer type. The model is exported as it computes in evaluation mode.
using Google.Protobuf;
using Sprout.Nn;
using Sprout.Onnx.Protos;

namespace Sprout.Onnx;

/// <summary>Exports models to ONNX.</summary>
public static class OnnxExporter
{
    /// <summary>IR version 8 (ONNX 1.10+): read by every ONNX Runtime since 1.10, and it has sparse_initializer.</summary>
    public const long IrVersion = 8;

    /// <summary>The ModelProto of <paramref name="model"/> for samples of shape <paramref name="sampleShape"/> (e.g. [1, 28, 28]).</summary>
    /// <exception cref="NotSupportedException">The model has a module no mapping handles.</exception>
    public static ModelProto ToModel(Module model, IReadOnlyList<int> sampleShape, OnnxExportOptions? options = null, IReadOnlyList<IOnnxMapping>? mappings = null)
    {
        options ??= new OnnxExportOptions();
        if (sampleShape.Count == 0 || sampleShape.Any(d => d <= 0))
            throw new ArgumentException($"The sample shape must be positive sizes, got [{string.Join(", ", sampleShape)}].", nameof(sampleShape));
        var graph = new OnnxGraph(mappings ?? OnnxMappings.Default, options);
        string input = graph.Unique(options.InputName);
        graph.Proto.Input.Add(Value(input, ["N", .. sampleShape.Select(d => (object)d)]));
        string output = graph.Emit(model, "", input);
        // The last node's output gets the requested name (an identity-only model would need an Identity node).
        if (output == input) output = graph.Node("Identity", [input], options.OutputName);
        else Rename(graph.Proto, output, options.OutputName);
        graph.Proto.Output.Add(Value(options.OutputName, ["N", null]));

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "sprout",
            ProducerVersion = options.ProducerVersion,
            DocString = options.Description ?? "",
            Graph = graph.Proto,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        foreach (var (key, value) in options.Metadata) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>Writes the model to <paramref name="path"/> (atomically: temporary file, then rename).</summary>
    public static void Save(ModelProto model, string path)
    {
        string temp = path + ".tmp";
        using (var stream = File.Create(temp)) model.WriteTo(stream);
        File.Move(temp, path, overwrite: true);
    }

    private static void Rename(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == from) node.Output[i] = to;
            for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == from) node.Input[i] = to;
        }
    }

    // A float tensor value; a dimension is a name (symbolic), a size, or null (unknown).
    private static ValueInfoProto Value(string name, IEnumerable<object?> dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                string p => new TensorShapeProto.Types.Dimension { DimParam = p },
                int v => new TensorShapeProto.Types.Dimension { DimValue = v },
                _ => new TensorShapeProto.Types.Dimension(),
            });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
