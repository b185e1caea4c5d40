// LayerGeometry: how a weight matrix W [Rows × Cols] meets its activations. A linear layer applies W once per
// sample; a conv applies its W [OutChannels × InChannels·KH·KW] at every output position, so its "batch" in the
// gradient and statistics code is B·OH·OW columns. Shared by dense, masked and always-sparse layers and by the
// multiply-add counts, so a conv layer plugs into GradientsAt / DenseGradientRows / FLOP counting unchanged.
namespace Sprout.Sparse;

/// <summary>W's shape plus, for a convolution, its <see cref="ConvShape"/>.</summary>
/// <param name="Rows">Outputs (output channels).</param>
/// <param name="Cols">Fan-in: input features, or InChannels·KH·KW.</param>
/// <param name="Conv">The convolution, or null for a linear layer.</param>
public readonly record struct LayerGeometry(int Rows, int Cols, ConvShape? Conv = null)
{
    /// <summary>A linear layer [outFeatures × inFeatures].</summary>
    public static LayerGeometry Linear(int outFeatures, int inFeatures) => new(outFeatures, inFeatures);

    /// <summary>A convolution [OutChannels × FanIn].</summary>
    public static LayerGeometry Conv2d(ConvShape shape) => new(shape.OutChannels, shape.FanIn, shape);

    /// <summary>True for a convolution.</summary>
    public bool IsConv => Conv is not null;

    /// <summary>
    /// How many times W is applied for an input of <paramref name="inputShape"/> (the columns N of the cached input
    /// [Cols × N]): the sample count for a linear layer (any layout: elements / Cols), B·OH·OW for a conv
    /// ([C, B, H, W] or [B, C, H, W]: H and W are the last two dimensions).
    /// </summary>
    /// <exception cref="ArgumentException">The shape does not fit the layer.</exception>
    public long Positions(ReadOnlySpan<int> inputShape)
    {
        long elements = 1;
        foreach (int d in inputShape) elements *= d;
        if (Conv is not ConvShape conv)
        {
            if (elements % Cols != 0) throw new ArgumentException($"An input of {elements} elements is not a whole number of {Cols}-feature samples.", nameof(inputShape));
            return elements / Cols;
        }
        if (inputShape.Length != 4) throw new ArgumentException($"A conv input has 4 dimensions ([C, B, H, W] or [B, C, H, W]), got {inputShape.Length}.", nameof(inputShape));
        int h = inputShape[2], w = inputShape[3];
        long perSample = (long)conv.InChannels * h * w;
        if (perSample == 0 || elements % perSample != 0) throw new ArgumentException($"The input does not hold whole {conv.InChannels}×{h}×{w} samples.", nameof(inputShape));
        var window = conv.Window;
        return elements / perSample * window.OutputHeight(h) * window.OutputWidth(w);
    }
}
