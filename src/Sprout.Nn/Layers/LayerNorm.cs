// LayerNorm module: normalization over the last axis with a learned per-feature scale and shift (PyTorch defaults:
// weight 1, bias 0, ε = 1e-5). Parameters are named "weight" and "bias" as in PyTorch checkpoints.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Layer normalization over the last dimension, y = (x − mean)/√(var + ε)·weight + bias.</summary>
public sealed class LayerNorm : Module
{
    /// <summary>Creates a layer over <paramref name="features"/> features.</summary>
    /// <exception cref="ArgumentException">features is not positive or ε is not positive.</exception>
    public LayerNorm(int features, float epsilon = 1e-5f)
    {
        if (features <= 0) throw new ArgumentException($"LayerNorm needs a positive feature count, got {features}.", nameof(features));
        if (!(epsilon > 0)) throw new ArgumentException($"LayerNorm's epsilon must be positive, got {epsilon}.", nameof(epsilon));
        Features = features;
        Epsilon = epsilon;
        Weight = RegisterParameter("weight", new Tensor(features));
        Weight.Data.Fill(1f);
        Bias = RegisterParameter("bias", new Tensor(features));
    }

    /// <summary>Size of the normalized (last) dimension.</summary>
    public int Features { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>Scale γ [features].</summary>
    public Tensor Weight { get; }

    /// <summary>Shift β [features].</summary>
    public Tensor Bias { get; }

    /// <summary>
    /// The output's layout (default batch-major, like the input). Feature-major writes the transpose [features × rows], for an
    /// always-sparse layer after it, which then keeps no transposed copy of its input.
    /// </summary>
    public Layout OutputLayout { get; set; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.LayerNorm(input, Weight, Bias, Epsilon, OutputLayout);

    /// <inheritdoc/>
    public override string ToString() => $"LayerNorm({Features})";
}
