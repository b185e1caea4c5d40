// Parameter-free activation modules. Each is a thin wrapper over its op so it can sit in a Sequential.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>max(x, 0).</summary>
public sealed class Relu : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.Relu(input);
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
