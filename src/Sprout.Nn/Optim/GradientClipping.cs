// Global gradient-norm clipping (torch.nn.utils.clip_grad_norm_).
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Nn.Optim;

/// <summary>Gradient clipping.</summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public static float ClipNorm(IEnumerable<Tensor> parameters, float maxNorm)
    {
        if (!(maxNorm > 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be > 0.");
        double sq = 0;
        foreach (var p in parameters) if (p.HasGrad) sq += Reductions.SumOfSquares(p.Grad);
        float norm = (float)Math.Sqrt(sq);
        if (norm > maxNorm)
        {
            float scale = maxNorm / (norm + 1e-6f);
            foreach (var p in parameters) if (p.HasGrad) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad, scale, p.Grad);
        }
        return norm;
    }
}
