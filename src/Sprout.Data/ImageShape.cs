// ImageShape: the per-sample shape (channels, height, width) of an image dataset.
// A value type so datasets and loaders can pass it around freely; it carries no layout options
// because every tensor here is channel-major (C, H, W), the layout the CIFAR files already use.
namespace Sprout.Data;

/// <summary>Shape of one sample: <paramref name="Channels"/> x <paramref name="Height"/> x <paramref name="Width"/>, channel-major.</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Elements per sample: C·H·W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>"CxHxW", e.g. "3x32x32".</summary>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
