// OnnxExportOptions: the choices of an ONNX export (sparse weight storage, names, opset, metadata).
namespace Sprout.Onnx;

/// <summary>Options of <see cref="OnnxExporter"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The default opset of the standard ("") domain: 17 (ONNX 1.12), run by every current ONNX Runtime.</summary>
    public const int DefaultOpset = 17;

    /// <summary>Sparse weights as dense initializers (default) or sparse_initializer.</summary>
    public SparseWeightFormat SparseWeights { get; init; } = SparseWeightFormat.Dense;

    /// <summary>Opset version of the standard domain.</summary>
    public int Opset { get; init; } = DefaultOpset;

    /// <summary>Name of the graph input ([N, …sample shape]).</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Name of the graph output ([N, classes]).</summary>
    public string OutputName { get; init; } = "logits";

    /// <summary>Producer version written into the model (Sprout's version).</summary>
    public string ProducerVersion { get; init; } = "";

    /// <summary>Free text for the model's doc_string (e.g. how inputs are normalized).</summary>
    public string? Description { get; init; }

    /// <summary>Key/value pairs for the model's metadata_props (e.g. dataset, method, epoch).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
