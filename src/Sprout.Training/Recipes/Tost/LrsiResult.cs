// LrsiResult: what LRsI learned, for logs and summary.json.
namespace Sprout.Training.Recipes.Tost;

/// <summary>Outcome of <see cref="LayerwiseRescaledInit.Run"/>.</summary>
/// <param name="Scales">The final scale of each parameter tensor, by name.</param>
/// <param name="Iterations">Adam iterations run.</param>
/// <param name="GradientNormIterations">Iterations whose objective was ‖g‖ because ‖g‖ exceeded the bound.</param>
/// <param name="Before">‖g‖ and the loss after the step on the first two batches, at the initial scales (all 1).</param>
/// <param name="After">The same two quantities on the same batches at the learned scales.</param>
/// <param name="SamplePasses">Samples that went through a forward and backward pass of the model (the HVP's included): its cost.</param>
public sealed record LrsiResult(IReadOnlyList<(string Name, float Scale)> Scales, int Iterations, int GradientNormIterations,
    LrsiMeasure Before, LrsiMeasure After, long SamplePasses);

/// <summary>GradInit's two quantities at one set of scales, on one fixed pair of batches.</summary>
/// <param name="GradientNorm">‖g‖ = ‖∇L_S(θ)‖, the ‖g‖ branch's objective (constrained to at most γ).</param>
/// <param name="LossAfterStep">L_S′(θ − η·g/‖g‖), the step branch's objective.</param>
public sealed record LrsiMeasure(double GradientNorm, double LossAfterStep);
