// The result of SparseKernelBenchmark.Run: a list of rows that serialises to {"results": [...]}, the format
// `sprout bench sparse` prints. Deliberately no formatting for humans; the CLI renders tables.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sprout.Sparse.Diagnostics;

/// <summary>Sparse-vs-dense kernel timings, one row per (density, op).</summary>
public sealed record SparseBenchReport([property: JsonPropertyName("results")] IReadOnlyList<SparseBenchResult> Results)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// JSON of the form <c>{"results": [{"density": 0.05, "op": "step", "sparse_ms": a, "dense_ms": b, "speedup": c}, ...]}</c>.
    /// </summary>
    public string ToJson(bool indented = true) => JsonSerializer.Serialize(this, indented ? Indented : JsonSerializerOptions.Default);

    /// <summary>The row for (density, op), or null.</summary>
    public SparseBenchResult? Find(double density, string op) => Results.FirstOrDefault(r => r.Density == density && r.Op == op);
}
