// ConvBenchResult: one row of `sprout bench conv --json`: a model at a density, the median time of its full training
// step (forward, backward, SGD update) next to the same model dense, timed alternately in the same run, and the
// memory each holds at its high-water mark (the "peak_memory_mb" keys are extras beside the agreed ones).
using System.Text.Json.Serialization;

namespace Sprout.Nn.Diagnostics;

/// <summary>A full training step of <paramref name="Model"/> at <paramref name="Density"/> against its dense twin.</summary>
/// <param name="Model">Model name, e.g. "resnet20".</param>
/// <param name="Density">Overall density of the weight layers (1 = dense).</param>
/// <param name="StepMs">Median step time at this density.</param>
/// <param name="DenseStepMs">Median step time of the dense model, timed in the same rounds.</param>
/// <param name="Speedup">DenseStepMs / StepMs (the ratio of medians).</param>
/// <param name="Nnz">Live weights of the conv and linear layers.</param>
/// <param name="MemoryMb">Managed memory the variant holds after a training step (see <see cref="ConvNetBenchmark"/>), MB.</param>
/// <param name="DenseMemoryMb">The same for the dense model.</param>
public sealed record ConvBenchResult(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("density")] double Density,
    [property: JsonPropertyName("step_ms")] double StepMs,
    [property: JsonPropertyName("dense_step_ms")] double DenseStepMs,
    [property: JsonPropertyName("speedup")] double Speedup,
    [property: JsonPropertyName("nnz")] long Nnz,
    [property: JsonPropertyName("peak_memory_mb")] double MemoryMb,
    [property: JsonPropertyName("dense_peak_memory_mb")] double DenseMemoryMb);
