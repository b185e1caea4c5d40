// ConvBenchReport: the result of ConvNetBenchmark.Run, serialised as the one JSON object `sprout bench conv --json`
// prints: {"peak_gflops", "dense_3x3_fraction_of_peak", "results": [...]} plus the thread count and load average
// (the machine is shared, so a number means little without them). The CLI renders the human table.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sprout.Nn.Diagnostics;

/// <summary>FMA peak, dense 3×3 conv efficiency and training-step timings of conv nets.</summary>
/// <param name="PeakGflops">FMA peak over the kernel threads, measured in the same run.</param>
/// <param name="Dense3x3FractionOfPeak">ResNet-20's 3×3 convs forward + backward: total flops / total time / peak.</param>
/// <param name="Threads">Kernel threads.</param>
/// <param name="LoadBefore">1-, 5- and 15-minute load averages when the run started ("n/a" off Linux).</param>
/// <param name="LoadAfter">The same when it ended.</param>
/// <param name="Results">One row per (model, density).</param>
/// <param name="Layers">The per-geometry conv timings behind <paramref name="Dense3x3FractionOfPeak"/> (not serialised).</param>
/// <param name="Breakdown">Per-op time of each variant's step when asked for (<see cref="ConvBenchOptions.Breakdown"/>), else null.</param>
public sealed record ConvBenchReport(
    [property: JsonPropertyName("peak_gflops")] double PeakGflops,
    [property: JsonPropertyName("dense_3x3_fraction_of_peak")] double Dense3x3FractionOfPeak,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("load_before")] string LoadBefore,
    [property: JsonPropertyName("load_after")] string LoadAfter,
    [property: JsonPropertyName("results")] IReadOnlyList<ConvBenchResult> Results,
    [property: JsonIgnore] IReadOnlyList<ConvLayerTiming> Layers,
    [property: JsonPropertyName("breakdown"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ConvStepBreakdown>? Breakdown = null)
{
    /// <summary>One JSON object on one line (or indented).</summary>
    public string ToJson(bool indented = false) => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = indented });
}
