// Conv2d: a dense 2-d convolution on FeatureMajor activations [C, B, H, W]. The weight is the matrix
// [OutChannels × InChannels·KH·KW] (ConvShape's column order), the form every sparse conv layer shares, so dense,
// masked and always-sparse layers are interchangeable behind ILayerFactory.Conv2d.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>Dense convolution y = W ⊛ x (+ b). Init: Kaiming normal over the fan-in (He et al.), bias 0.</summary>
public sealed class Conv2d : Module, ICountsMultiplyAdds, IDescribedLayer
{
    private int _height, _width; // of the last input: the multiply-adds per sample scale with its OH·OW

    /// <summary>Creates a convolution of the given geometry.</summary>
    /// <exception cref="ArgumentException">The shape is invalid (see <see cref="ConvShape.Validate"/>).</exception>
    public Conv2d(ConvShape shape, Rng rng, bool bias = false, ConvInit init = ConvInit.HeNormal)
    {
        shape.Validate();
        if (shape.Padding >= shape.KernelHeight || shape.Padding >= shape.KernelWidth)
            throw new ArgumentException($"Conv2d padding must be smaller than the kernel (got {shape}).", nameof(shape));
        Shape = shape;
        Weight = RegisterParameter("weight", new Tensor(shape.OutChannels, shape.FanIn));
        init.Fill(Weight, rng);
        if (bias) Bias = RegisterParameter("bias", new Tensor(shape.OutChannels));
    }

    /// <summary>Channels, kernel, stride and padding.</summary>
    public ConvShape Shape { get; }

    /// <summary>Weight [OutChannels × InChannels·KH·KW].</summary>
    public Tensor Weight { get; }

    /// <summary>Bias [OutChannels], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Multiply-adds per image of one training step (forward, input and weight gradient) on an H×W input.</summary>
    public long MacsPerSample(int height, int width) =>
        3L * Shape.OutChannels * Shape.FanIn * Shape.Window.OutputHeight(height) * Shape.Window.OutputWidth(width);

    /// <inheritdoc/>
    /// <remarks>3·Cout·Cin·KH·KW per output position, times OH·OW of the last input (0 before the first forward pass).</remarks>
    public long DenseMacsPerSample => _height == 0 ? 0 : MacsPerSample(_height, _width);

    /// <inheritdoc/>
    public long ExecutedMacsPerSample => DenseMacsPerSample;

    /// <inheritdoc/>
    public LayerDescription Describe() =>
        new("dense", LayerGeometry.Conv2d(Shape), (long)Shape.OutChannels * Shape.FanIn, 3L * Shape.OutChannels * Shape.FanIn, 3L * Shape.OutChannels * Shape.FanIn);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var y = Ops.Conv2d(input, Weight, Bias, Shape.Window);
        (_height, _width) = (input.Dim(2), input.Dim(3));
        return y;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Conv2d({Shape})";
}
