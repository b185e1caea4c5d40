// ConvStepBreakdown: where one model variant's training step spends its time, by op (StepProfiler rows: forward gap
// per recorded op, backward per node, the sparse conv's kernels and cache copies, optimizer, zero-grad, tape reset),
// averaged over the profiled steps. `sprout bench conv --breakdown` prints these as a table (JSON key "breakdown").
using System.Text.Json.Serialization;

namespace Sprout.Nn.Diagnostics;

/// <summary>Per-op time of one variant's step.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Density">Overall density (1 = dense).</param>
/// <param name="StepMs">Mean wall time of a profiled step (profiling included).</param>
/// <param name="Ops">Rows in first-seen order.</param>
public sealed record ConvStepBreakdown(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("density")] double Density,
    [property: JsonPropertyName("step_ms")] double StepMs,
    [property: JsonPropertyName("ops")] IReadOnlyList<ConvOpTime> Ops);

/// <summary>One row of a <see cref="ConvStepBreakdown"/>.</summary>
/// <param name="Op">StepProfiler label, e.g. "BatchNorm fwd" or "SparseConv2d 3x3 s1 dX".</param>
/// <param name="Ms">Exclusive milliseconds per step.</param>
/// <param name="Calls">Calls per step.</param>
public sealed record ConvOpTime(
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("ms")] double Ms,
    [property: JsonPropertyName("calls")] double Calls);
