// FiniteDifferenceHvp: a Hessian-vector product from two gradient evaluations, H·v ≈ (∇L(θ + h v) − ∇L(θ − h v)) / 2h.
// Sprout's autograd has no double backward, and GradInit (ToST's LRsI) needs one H·v per iteration. The central
// difference is exact for a quadratic loss and has O(h²) error otherwise; h is chosen so that the perturbation's norm is
// RelativeStep·max(1, ‖θ‖), far above float32 rounding of the gradients and small against the weights.
using Sprout.Core;

namespace Sprout.Training.Recipes.Tost;

/// <summary>Hessian-vector products of a loss over a list of parameter tensors, by central differences of gradients.</summary>
public static class FiniteDifferenceHvp
{
    /// <summary>Default perturbation size relative to max(1, ‖θ‖).</summary>
    public const double DefaultRelativeStep = 1e-3;

    /// <summary>
    /// Writes H·v into <paramref name="result"/> (one array per parameter, each of the parameter's size).
    /// <paramref name="gradient"/> must recompute the loss's gradient at the parameters' current values into their
    /// <see cref="Tensor.Grad"/> (clearing them first); the parameters are left exactly as they were.
    /// </summary>
    /// <exception cref="ArgumentException">Vector or result shapes do not match the parameters, or a non-positive step.</exception>
    public static void Compute(IReadOnlyList<Tensor> parameters, Action gradient, IReadOnlyList<float[]> vector,
        IReadOnlyList<float[]> result, double relativeStep = DefaultRelativeStep)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradient);
        if (vector.Count != parameters.Count || result.Count != parameters.Count)
            throw new ArgumentException($"H·v needs one vector and one result array per parameter ({parameters.Count}); got {vector.Count} and {result.Count}.");
        for (int i = 0; i < parameters.Count; i++)
            if (vector[i].Length != parameters[i].Size || result[i].Length != parameters[i].Size)
                throw new ArgumentException($"Parameter {i} has {parameters[i].Size} elements but its vector has {vector[i].Length} and its result {result[i].Length}.");
        if (!(relativeStep > 0) || !double.IsFinite(relativeStep))
            throw new ArgumentException($"The finite-difference step must be a positive number (got {relativeStep}).", nameof(relativeStep));

        double vNorm = Norm(vector), thetaNorm = 0;
        foreach (var p in parameters)
            foreach (float x in p.Data) thetaNorm += (double)x * x;
        if (vNorm == 0)
        {
            foreach (var r in result) Array.Clear(r);
            return;
        }
        double h = relativeStep * Math.Max(1, Math.Sqrt(thetaNorm)) / vNorm;

        var saved = parameters.Select(p => p.Data.ToArray()).ToArray();
        try
        {
            Perturb(parameters, saved, vector, h);
            gradient();
            for (int i = 0; i < parameters.Count; i++) parameters[i].Grad.CopyTo(result[i]);
            Perturb(parameters, saved, vector, -h);
            gradient();
            for (int i = 0; i < parameters.Count; i++)
            {
                var minus = parameters[i].Grad;
                var r = result[i];
                for (int j = 0; j < r.Length; j++) r[j] = (float)(((double)r[j] - minus[j]) / (2 * h));
            }
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++) saved[i].CopyTo(parameters[i].Data);
        }
    }

    /// <summary>Euclidean norm over all arrays, in double.</summary>
    public static double Norm(IReadOnlyList<float[]> arrays)
    {
        double sum = 0;
        foreach (var a in arrays)
            foreach (float x in a) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    private static void Perturb(IReadOnlyList<Tensor> parameters, float[][] saved, IReadOnlyList<float[]> vector, double h)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            var d = parameters[i].Data;
            for (int j = 0; j < d.Length; j++) d[j] = (float)(saved[i][j] + h * vector[i][j]);
        }
    }
}
