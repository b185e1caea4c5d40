// Pooling modules for conv nets (FeatureMajor [C, B, H, W] in): max and average pooling keep the layout; global average
// pooling ends the conv stack with BatchMajor [B, C] for the classifier head.
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Nn;

/// <summary>Max pooling over kernel×kernel windows (stride defaults to the kernel, as in PyTorch).</summary>
public sealed class MaxPool2d(int kernel, int stride = 0, int padding = 0) : Module
{
    /// <summary>The pooling window.</summary>
    public Window2d Window { get; } = new(kernel, kernel, stride == 0 ? kernel : stride, stride == 0 ? kernel : stride, padding, padding);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.MaxPool2d(input, Window);

    /// <inheritdoc/>
    public override string ToString() => $"MaxPool2d({Window.KernelHeight}, s{Window.StrideHeight})";
}

/// <summary>Average pooling over kernel×kernel windows (stride defaults to the kernel; padding counts as zeros, as in PyTorch).</summary>
public sealed class AvgPool2d(int kernel, int stride = 0, int padding = 0) : Module
{
    /// <summary>The pooling window.</summary>
    public Window2d Window { get; } = new(kernel, kernel, stride == 0 ? kernel : stride, stride == 0 ? kernel : stride, padding, padding);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.AvgPool2d(input, Window);

    /// <inheritdoc/>
    public override string ToString() => $"AvgPool2d({Window.KernelHeight}, s{Window.StrideHeight})";
}

/// <summary>Mean over each channel's H×W plane: [C, B, H, W] FeatureMajor → [B, C] BatchMajor.</summary>
public sealed class GlobalAvgPool2d : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Ops.GlobalAvgPool2d(input);
}
