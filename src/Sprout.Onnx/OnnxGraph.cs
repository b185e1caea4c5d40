// OnnxGraph: the graph under construction during an export: nodes, initializers (dense or sparse), unique value
// names, and dispatch of a module to the first mapping that handles it (containers call back into Emit for their
// children). The protobuf messages are the classes protoc generated from Protos/onnx_model.proto; nothing here
// writes protobuf bytes by hand.
using Google.Protobuf;
using Sprout.Nn;
using Sprout.Onnx.Protos;

namespace Sprout.Onnx;

/// <summary>Builds a GraphProto from modules through <see cref="IOnnxMapping"/>s.</summary>
public sealed class OnnxGraph
{
    private readonly IReadOnlyList<IOnnxMapping> _mappings;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    internal OnnxGraph(IReadOnlyList<IOnnxMapping> mappings, OnnxExportOptions options)
    {
        _mappings = mappings;
        Options = options;
    }

    /// <summary>The export's options (mappings read SparseWeights through <see cref="SparseMatrix"/>).</summary>
    public OnnxExportOptions Options { get; }

    /// <summary>The graph built so far.</summary>
    public GraphProto Proto { get; } = new() { Name = "sprout" };

    /// <summary>Emits a module through the first mapping that handles it; returns its output value.</summary>
    /// <exception cref="NotSupportedException">No mapping handles the module's type.</exception>
    public string Emit(Module module, string path, string input)
    {
        foreach (var mapping in _mappings)
            if (mapping.Emit(module, path, input, this) is string output) return output;
        throw new NotSupportedException($"ONNX export has no mapping for {module.GetType().Name} at '{path}'; add an IOnnxMapping for it to OnnxMappings.Default.");
    }

    /// <summary>
    /// Emits the child named <paramref name="name"/> of <paramref name="parent"/> (at path "<paramref name="path"/>.name",
    /// or "name" at the root): composite mappings find a module's parts by the names its parameters carry in checkpoints.
    /// </summary>
    /// <exception cref="NotSupportedException">The parent has no such child, or no mapping handles it.</exception>
    public string EmitChild(Module parent, string name, string path, string input)
    {
        foreach (var (childName, child) in parent.Children)
            if (childName == name) return Emit(child, path.Length == 0 ? name : path + "." + name, input);
        throw new NotSupportedException($"{parent.GetType().Name} at '{path}' has no child '{name}'; the ONNX mapping and the module disagree.");
    }

    /// <summary>A value name not used yet, derived from <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        string name = hint;
        for (int i = 1; !_names.Add(name); i++) name = $"{hint}_{i}";
        return name;
    }

    /// <summary>Adds a node with one output (named after <paramref name="hint"/>) and returns the output's name.</summary>
    public string Node(string opType, IEnumerable<string> inputs, string hint, params AttributeProto[] attributes)
    {
        string output = Unique(hint);
        var node = new NodeProto { OpType = opType, Name = Unique("node:" + output) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return output;
    }

    /// <summary>Adds a dense float initializer and returns its name.</summary>
    public string Initializer(string hint, ReadOnlySpan<long> dims, ReadOnlySpan<float> data)
    {
        long size = 1;
        foreach (long d in dims) size *= d;
        if (size != data.Length) throw new ArgumentException($"Initializer {hint}: {data.Length} values for shape [{string.Join(", ", dims.ToArray())}].", nameof(data));
        string name = Unique(hint);
        Proto.Initializer.Add(FloatTensor(name, dims, data));
        return name;
    }

    /// <summary>Adds an int64 initializer (shapes, axes, indices; <paramref name="dims"/> empty for a scalar) and returns its name.</summary>
    public string Int64Initializer(string hint, ReadOnlySpan<long> dims, params long[] data)
    {
        long size = 1;
        foreach (long d in dims) size *= d;
        if (size != data.Length) throw new ArgumentException($"Initializer {hint}: {data.Length} values for shape [{string.Join(", ", dims.ToArray())}].", nameof(data));
        string name = Unique(hint);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims.ToArray());
        t.Int64Data.AddRange(data);
        Proto.Initializer.Add(t);
        return name;
    }

    /// <summary>A 1-d int64 initializer, such as the target shape of a Reshape (−1 for the symbolic batch).</summary>
    public string Int64s(string hint, params long[] values) => Int64Initializer(hint, [values.Length], values);

    /// <summary>
    /// Adds the weight matrix [rows × cols] given in CSR form, stored as <see cref="OnnxExportOptions.SparseWeights"/>
    /// says (a dense initializer, a sparse_initializer, or a Constant node with sparse_value), and returns its name.
    /// <paramref name="shape"/> (default [rows, cols]) is the stored tensor's shape, of rows·cols elements in the same
    /// row-major order: a conv weight [Cout × Cin·KH·KW] is stored as [Cout, Cin, KH, KW] (linearized indices are equal).
    /// </summary>
    public string SparseMatrix(string hint, int rows, int cols, ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columns, ReadOnlySpan<float> values,
        long[]? shape = null)
    {
        if (rowPointers.Length != rows + 1) throw new ArgumentException($"{hint}: {rowPointers.Length} row pointers for {rows} rows.", nameof(rowPointers));
        if (shape is not null && shape.Aggregate(1L, (a, d) => a * d) != (long)rows * cols)
            throw new ArgumentException($"{hint}: shape [{string.Join(", ", shape)}] does not hold a {rows} × {cols} matrix.", nameof(shape));
        int nnz = rowPointers[rows];
        long[] positions = new long[nnz];
        float[] kept = new float[nnz];
        for (int r = 0; r < rows; r++)
            for (int i = rowPointers[r]; i < rowPointers[r + 1]; i++)
            {
                positions[i] = (long)r * cols + columns[i];
                kept[i] = values[i];
            }
        Array.Sort(positions, kept); // ONNX wants ascending indices; CSR rows are ascending, columns within a row need not be
        long[] dims = shape ?? [rows, cols];
        if (Options.SparseWeights == SparseWeightFormat.Dense)
        {
            var dense = new float[(long)rows * cols];
            for (int i = 0; i < nnz; i++) dense[positions[i]] = kept[i];
            return Initializer(hint, dims, dense);
        }
        string name = Unique(hint);
        var sparse = new SparseTensorProto { Values = FloatTensor(name, [nnz], kept), Indices = new TensorProto { Name = name + ".indices", DataType = (int)TensorProto.Types.DataType.Int64 } };
        sparse.Indices.Dims.Add(nnz);
        sparse.Indices.Int64Data.AddRange(positions);
        sparse.Dims.AddRange(dims);
        if (Options.SparseWeights == SparseWeightFormat.SparseInitializer)
        {
            Proto.SparseInitializer.Add(sparse);
            return name;
        }
        var node = new NodeProto { OpType = "Constant", Name = Unique("node:" + name) };
        node.Output.Add(name);
        node.Attribute.Add(new AttributeProto { Name = "sparse_value", Type = AttributeProto.Types.AttributeType.SparseTensor, SparseTensor = sparse });
        Proto.Node.Add(node);
        return name;
    }

    /// <summary>An INT attribute.</summary>
    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An INTS attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A FLOAT attribute.</summary>
    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static TensorProto FloatTensor(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> data)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims.ToArray());
        // raw_data is little-endian IEEE 754 (onnx.proto); .NET floats are little-endian on every supported platform.
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
        return t;
    }
}
