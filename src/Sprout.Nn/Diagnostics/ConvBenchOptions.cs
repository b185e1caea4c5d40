// ConvBenchOptions: what `sprout bench conv` (and bench/Sprout.Bench conv) measures: which conv nets at which
// densities, the batch and image shape, and how many timed steps. The defaults are issue 9's "Done when": ResNet-20
// and WRN-22-2 at densities 1, 0.1 and 0.02 on CIFAR-shaped batches of 128; tests shrink everything.
namespace Sprout.Nn.Diagnostics;

/// <summary>Settings of <see cref="ConvNetBenchmark"/>.</summary>
public sealed record ConvBenchOptions
{
    /// <summary>Conv nets by <see cref="ConvModels"/> name.</summary>
    public IReadOnlyList<string> Models { get; init; } = ["resnet20", "wrn-22-2"];

    /// <summary>Overall densities (1 = the dense model itself); ERK over all weight layers, first layer dense.</summary>
    public IReadOnlyList<double> Densities { get; init; } = [1.0, 0.1, 0.02];

    /// <summary>Images per training step.</summary>
    public int Batch { get; init; } = 128;

    /// <summary>Input channels, height and width (CIFAR: 3×32×32) and classes.</summary>
    public (int Channels, int Height, int Width, int Classes) Input { get; init; } = (3, 32, 32, 10);

    /// <summary>Timed rounds; each round times one step of every model variant, dense and sparse alternating.</summary>
    public int Steps { get; init; } = 5;

    /// <summary>
    /// Untimed rounds first (JIT, tape pools, first-touch of buffers). Five: with one, rounds 2–4 ran up to 2× slower
    /// than later ones while the JIT compiled the tier-1 code on one of the two cores (docs/BENCHMARKS.md, session 6).
    /// </summary>
    public int WarmupSteps { get; init; } = 5;

    /// <summary>Repetitions of each 3×3 conv timing (the best counts).</summary>
    public int ConvRepetitions { get; init; } = 3;

    /// <summary>How long the FMA peak is measured.</summary>
    public TimeSpan PeakDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Threads of the FMA peak (the kernels' thread count).</summary>
    public int Threads { get; init; } = Sprout.Kernels.Parallelism.Threads;

    /// <summary>
    /// After the timed rounds, run <see cref="Steps"/> more steps of every variant under <see cref="Sprout.Core.StepProfiler"/>
    /// and report the per-op breakdown (the timed rounds themselves are never profiled).
    /// </summary>
    public bool Breakdown { get; init; }

    /// <summary>Seed of the weights, topologies and the synthetic batch.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentException">What is wrong, in one line.</exception>
    public void Validate()
    {
        if (Models.Count == 0) throw new ArgumentException("Give at least one model.");
        foreach (string m in Models)
            if (!ConvModels.IsConvModel(m)) throw new ArgumentException($"Unknown conv model '{m}'; valid: {ConvModels.Names}.");
        if (Densities.Count == 0) throw new ArgumentException("Give at least one density.");
        foreach (double d in Densities)
            if (!(d is > 0 and <= 1)) throw new ArgumentException($"Densities must be in (0, 1], got {d}.");
        if (Batch < 1) throw new ArgumentException($"The batch must be at least 1, got {Batch}.");
        if (Steps < 1) throw new ArgumentException($"At least one timed step is needed, got {Steps}.");
        if (WarmupSteps < 0 || ConvRepetitions < 1) throw new ArgumentException("Warm-up steps must be ≥ 0 and conv repetitions ≥ 1.");
        if (Threads < 1) throw new ArgumentException($"Threads must be at least 1, got {Threads}.");
    }
}
