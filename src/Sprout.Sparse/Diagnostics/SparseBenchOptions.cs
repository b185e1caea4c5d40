// Settings of the sparse-vs-dense kernel measurement. Defaults are the `sprout bench sparse` setting:
// a 4096×4096 layer, batch 256, densities from 0.5 down to 0.005, a few repetitions within a time budget.
namespace Sprout.Sparse.Diagnostics;

/// <summary>What <see cref="SparseKernelBenchmark.Run"/> measures and for how long.</summary>
public sealed record SparseBenchOptions
{
    /// <summary>The densities measured by default.</summary>
    public static IReadOnlyList<double> DefaultDensities { get; } = [0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005];

    /// <summary>Inputs of the layer (columns of W).</summary>
    public int Inputs { get; init; } = 4096;

    /// <summary>Outputs of the layer (rows of W).</summary>
    public int Outputs { get; init; } = 4096;

    /// <summary>Batch size.</summary>
    public int Batch { get; init; } = 256;

    /// <summary>Densities to measure, each in (0, 1].</summary>
    public IReadOnlyList<double> Densities { get; init; } = DefaultDensities;

    /// <summary>Most timed runs per operation; the best is reported. The first run also serves as warm-up.</summary>
    public int MaxRepetitions { get; init; } = 5;

    /// <summary>An operation is not repeated once its runs have taken this long (a slow dense GEMM runs once).</summary>
    public TimeSpan BudgetPerOp { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Seed of the random patterns and data.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>SGD learning rate and momentum of the update inside "step".</summary>
    public float LearningRate { get; init; } = 0.01f;

    /// <inheritdoc cref="LearningRate"/>
    public float Momentum { get; init; } = 0.9f;
}
