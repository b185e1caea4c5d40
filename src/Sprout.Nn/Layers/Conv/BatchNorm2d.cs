// BatchNorm2d: per-channel batch normalization of FeatureMajor activations, as PyTorch's (momentum 0.1, ε 1e-5,
// biased variance to normalize, unbiased into the running estimate). The running statistics are module buffers,
// so checkpoints keep them and optimizers never touch them.
using Sprout.Core;

namespace Sprout.Nn;

/// <summary>Batch normalization: batch statistics in training mode, running statistics in evaluation mode.</summary>
public sealed class BatchNorm2d : Module
{
    /// <summary>Creates a layer over <paramref name="channels"/> channels; γ = 1, β = 0, running mean 0 and variance 1.</summary>
    /// <exception cref="ArgumentException">channels &lt; 1, momentum outside [0, 1] or ε not positive.</exception>
    public BatchNorm2d(int channels, float momentum = 0.1f, float eps = 1e-5f, bool affine = true)
    {
        if (channels < 1) throw new ArgumentException($"BatchNorm2d needs at least one channel (got {channels}).", nameof(channels));
        if (momentum is < 0f or > 1f) throw new ArgumentException($"BatchNorm2d momentum must be in [0, 1] (got {momentum}).", nameof(momentum));
        if (!(eps > 0f)) throw new ArgumentException($"BatchNorm2d ε must be positive (got {eps}).", nameof(eps));
        (Channels, Momentum, Eps) = (channels, momentum, eps);
        if (affine)
        {
            Gamma = RegisterParameter("weight", new Tensor(channels));
            Gamma.Data.Fill(1f);
            Beta = RegisterParameter("bias", new Tensor(channels));
        }
        RunningMean = RegisterBuffer("running_mean", new Tensor(channels));
        RunningVar = RegisterBuffer("running_var", new Tensor(channels));
        RunningVar.Data.Fill(1f);
    }

    /// <summary>Number of channels.</summary>
    public int Channels { get; }

    /// <summary>Weight of a new batch in the running statistics.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>Scale γ [C] ("weight", as PyTorch names it), or null without affine.</summary>
    public Tensor? Gamma { get; }

    /// <summary>Shift β [C] ("bias"), or null without affine.</summary>
    public Tensor? Beta { get; }

    /// <summary>Running mean [C] (buffer).</summary>
    public Tensor RunningMean { get; }

    /// <summary>Running variance [C] (buffer).</summary>
    public Tensor RunningVar { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.BatchNorm(input, Gamma, Beta, RunningMean, RunningVar, Training, Momentum, Eps);

    /// <summary>relu(this(input)) through the fused operator <see cref="Ops.BatchNormRelu"/>: the same values, one pass each way.</summary>
    public Tensor ForwardRelu(Tensor input) =>
        FusionEnabled ? Ops.BatchNormRelu(input, Gamma, Beta, RunningMean, RunningVar, Training, Momentum, Eps) : Ops.Relu(Forward(input));

    /// <summary>relu(this(input) + residual) through the fused operator <see cref="Ops.BatchNormAddRelu"/> (a residual block's output).</summary>
    public Tensor ForwardAddRelu(Tensor input, Tensor residual) => FusionEnabled
        ? Ops.BatchNormAddRelu(input, residual, Gamma, Beta, RunningMean, RunningVar, Training, Momentum, Eps)
        : Ops.Relu(Ops.Add(Forward(input), residual));

    /// <summary>False runs <see cref="ForwardRelu"/> and <see cref="ForwardAddRelu"/> as the unfused ops (benchmarks compare the two in one process).</summary>
    internal static bool FusionEnabled = true;

    /// <inheritdoc/>
    public override string ToString() => $"BatchNorm2d({Channels})";
}
