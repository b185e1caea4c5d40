// ConvLayerTiming: one 3×3 conv geometry of ResNet-20 timed forward + backward at the benchmark's batch, for the
// dense fraction-of-peak number of `sprout bench conv` (and its per-layer lines in bench/Sprout.Bench).
namespace Sprout.Nn.Diagnostics;

/// <summary>A dense conv's forward + backward timing.</summary>
/// <param name="In">Input channels.</param>
/// <param name="Out">Output channels.</param>
/// <param name="Stride">Stride (padding 1).</param>
/// <param name="Size">Input height = width.</param>
/// <param name="Count">How many layers of ResNet-20 have this geometry.</param>
/// <param name="Flops">Flops of one forward + backward (2 per multiply-add; no input gradient for the stem).</param>
/// <param name="Seconds">Best wall time of one forward + backward.</param>
/// <param name="CpuSeconds">Process CPU time of that best call's repetition (best over repetitions).</param>
public sealed record ConvLayerTiming(int In, int Out, int Stride, int Size, int Count, double Flops, double Seconds, double CpuSeconds);
