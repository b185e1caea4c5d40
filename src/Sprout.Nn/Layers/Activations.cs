// Parameter-free activation modules. Each is a thin wrapper over its op so it can sit in a Sequential.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>max(x, 0); while <see cref="GhostBeta"/> is finite, ToST's ghost soft neuron x·σ(βx) instead.</summary>
public sealed class Relu : Module
{
    /// <summary>
    /// β of the ghost soft neuron x·σ(βx) this ReLU computes during ToST's early phase (Jaiswal et al. 2022);
    /// +∞ (the default) is ReLU exactly, through the ReLU kernel, so a switched-back model is a plain one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">β is NaN or not positive.</exception>
    public float GhostBeta
    {
        get;
        set => field = value > 0f ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A ghost neuron's β must be positive (+∞ for ReLU).");
    } = float.PositiveInfinity;

    /// <summary>True while this is ReLU exactly (no ghost β), so a block may run it fused with the op before it.</summary>
    public bool IsPlain => float.IsPositiveInfinity(GhostBeta);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => IsPlain ? Ops.Relu(input) : Ops.Swish(input, GhostBeta);
}

/// <summary>tanh(x).</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.Tanh(input);
}

/// <summary>σ(x).</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.Sigmoid(input);
}

/// <summary>x·σ(βx). <see cref="Beta"/> may be changed during training (ToST anneals it toward ReLU).</summary>
public sealed class Swish(float beta = 1f) : Module
{
    /// <summary>Sharpness β.</summary>
    public float Beta { get; set; } = beta;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.Swish(input, Beta);
}
