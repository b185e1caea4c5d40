// ImpRound: the outcome of one round of IterativeMagnitudePruning. Pure data.
namespace Sprout.Training.Sparsity;

/// <summary>Result of one IMP round.</summary>
/// <param name="Round">0 = the dense run.</param>
/// <param name="Density">Density the round trained at.</param>
/// <param name="Metric">What the training delegate returned (e.g. test accuracy).</param>
public sealed record ImpRound(int Round, double Density, double Metric);
