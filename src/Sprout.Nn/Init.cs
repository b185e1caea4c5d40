// Weight initializers (in place). Fan-in/fan-out follow PyTorch: for W [out × in, …] fan_in = in·receptive field.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Kaiming (He) and Xavier (Glorot) initializers.</summary>
public static class Init
{
    /// <summary>U(±gain·√(3/fan_in)); gain √2 suits ReLU.</summary>
    public static void KaimingUniform(Tensor w, Rng rng, float gain = 1.41421356f)
    {
        float bound = gain * MathF.Sqrt(3f / FanIn(w));
        rng.FillUniform(w.Data, -bound, bound);
    }

    /// <summary>N(0, (gain/√fan_in)²).</summary>
    public static void KaimingNormal(Tensor w, Rng rng, float gain = 1.41421356f) => rng.FillNormal(w.Data, 0f, gain / MathF.Sqrt(FanIn(w)));

    /// <summary>U(±gain·√(6/(fan_in + fan_out))).</summary>
    public static void XavierUniform(Tensor w, Rng rng, float gain = 1f)
    {
        float bound = gain * MathF.Sqrt(6f / (FanIn(w) + FanOut(w)));
        rng.FillUniform(w.Data, -bound, bound);
    }

    /// <summary>N(0, gain²·2/(fan_in + fan_out)).</summary>
    public static void XavierNormal(Tensor w, Rng rng, float gain = 1f) => rng.FillNormal(w.Data, 0f, gain * MathF.Sqrt(2f / (FanIn(w) + FanOut(w))));

    /// <summary>Inputs per output unit: product of all dims but the first.</summary>
    public static int FanIn(Tensor w) => w.Rank == 1 ? w.Size : w.Size / Math.Max(w.Dim(0), 1);

    /// <summary>Outputs per input unit: dim 0 times the receptive field.</summary>
    public static int FanOut(Tensor w) => w.Rank == 1 ? w.Size : w.Dim(0) * (w.Rank > 2 ? w.Size / (w.Dim(0) * w.Dim(1)) : 1);
}
