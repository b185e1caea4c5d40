// ConvShape: the geometry of a 2-d convolution's weight, shared by dense, masked and always-sparse conv layers,
// the layer factories and density allocation. A conv weight is the matrix [OutChannels × InChannels·KH·KW]
// (column index = (c·KH + kh)·KW + kw, as im2col lays its rows out) applied at B·OH·OW positions.
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>A conv weight [OutChannels × InChannels·KernelHeight·KernelWidth] with a square stride and padding.</summary>
public readonly record struct ConvShape(int InChannels, int OutChannels, int KernelHeight, int KernelWidth, int Stride = 1, int Padding = 0)
{
    /// <summary>Columns of the weight matrix: InChannels·KernelHeight·KernelWidth.</summary>
    public int FanIn => InChannels * KernelHeight * KernelWidth;

    /// <summary>The sliding window, for the im2col and pooling kernels.</summary>
    public Window2d Window => new(KernelHeight, KernelWidth, Stride, Stride, Padding, Padding);

    /// <summary>Throws unless every dimension is positive, the stride is at least 1 and the padding is non-negative.</summary>
    /// <exception cref="ArgumentException">A dimension out of range; the message names it.</exception>
    public void Validate()
    {
        if (InChannels < 1 || OutChannels < 1)
            throw new ArgumentException($"A convolution needs at least one input and one output channel (got {InChannels} → {OutChannels}).");
        if (KernelHeight < 1 || KernelWidth < 1)
            throw new ArgumentException($"A convolution kernel must be at least 1×1 (got {KernelHeight}×{KernelWidth}).");
        if (Stride < 1) throw new ArgumentException($"A convolution stride must be at least 1 (got {Stride}).");
        if (Padding < 0) throw new ArgumentException($"A convolution padding must be non-negative (got {Padding}).");
    }

    /// <summary>A short description like "16→32 3×3 s2 p1".</summary>
    public override string ToString() =>
        $"{InChannels}→{OutChannels} {KernelHeight}×{KernelWidth}" + (Stride != 1 ? $" s{Stride}" : "") + (Padding != 0 ? $" p{Padding}" : "");
}
