// One row of the sparse-vs-dense kernel measurement: an operation at a density, timed both ways.
// Deliberately a plain record: it only carries numbers to the CLI and to JSON.
using System.Text.Json.Serialization;

namespace Sprout.Sparse.Diagnostics;

/// <summary>
/// Best-of-repetitions wall time of one operation (<c>forward</c>, <c>input_grad</c>, <c>weight_grad</c> or <c>step</c>)
/// for a sparse layer at <see cref="Density"/> and for the dense layer of the same shape; <see cref="Speedup"/> = dense / sparse.
/// </summary>
public sealed record SparseBenchResult(
    [property: JsonPropertyName("density")] double Density,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("sparse_ms")] double SparseMs,
    [property: JsonPropertyName("dense_ms")] double DenseMs,
    [property: JsonPropertyName("speedup")] double Speedup);
