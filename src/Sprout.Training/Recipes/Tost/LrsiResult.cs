// LrsiResult: what LRsI learned, for logs and summary.json.
namespace Sprout.Training.Recipes.Tost;

/// <summary>Outcome of <see cref="LayerwiseRescaledInit.Run"/>.</summary>
/// <param name="Scales">The final scale of each parameter tensor, by name.</param>
/// <param name="Iterations">Adam iterations run.</param>
/// <param name="GradientNormIterations">Iterations whose objective was ‖g‖ because ‖g‖ exceeded the bound.</param>
/// <param name="FirstObjective">Objective at the first iteration.</param>
/// <param name="LastObjective">Objective at the last iteration.</param>
public sealed record LrsiResult(IReadOnlyList<(string Name, float Scale)> Scales, int Iterations, int GradientNormIterations,
    double FirstObjective, double LastObjective);
