// SparseConvGeometry: the sizes a direct sparse convolution kernel needs besides the CSR weight. Activations are
// feature-major [C, B, H, W] (each channel's batch of planes contiguous), so the output [Cout, B, OH, OW] is also
// the row-major [Cout × B·OH·OW] matrix an im2col + SpMM would produce, and both paths are interchangeable.
namespace Sprout.Kernels;

/// <summary>
/// A 2-d convolution over a feature-major batch: input [InChannels, Batch, Height, Width], weight
/// [OutChannels × InChannels·KH·KW] (column (c·KH + i)·KW + j), output [OutChannels, Batch, OH, OW].
/// </summary>
public readonly record struct SparseConvGeometry(int InChannels, int OutChannels, int Batch, int Height, int Width, Window2d Window)
{
    /// <summary>Output rows per image.</summary>
    public int OutputHeight => Window.OutputHeight(Height);

    /// <summary>Output columns per image.</summary>
    public int OutputWidth => Window.OutputWidth(Width);

    /// <summary>Columns of the weight matrix: InChannels·KH·KW.</summary>
    public int FanIn => InChannels * Window.KernelHeight * Window.KernelWidth;

    /// <summary>Output positions per channel: Batch·OH·OW (the "batch" of the equivalent SpMM).</summary>
    public int Positions => Batch * OutputHeight * OutputWidth;

    /// <summary>Elements of the input: InChannels·Batch·Height·Width.</summary>
    public long InputLength => (long)InChannels * Batch * Height * Width;

    /// <summary>Elements of the output: OutChannels·Batch·OH·OW.</summary>
    public long OutputLength => (long)OutChannels * Positions;

    /// <summary>Throws unless the sizes are positive (batch may be 0) and the window fits the plane.</summary>
    /// <exception cref="ArgumentException">A size out of range; the message names it.</exception>
    public void Validate()
    {
        if (InChannels < 1 || OutChannels < 1)
            throw new ArgumentException($"A convolution needs at least one input and one output channel (got {InChannels} → {OutChannels}).");
        if (Batch < 0) throw new ArgumentException($"Batch must be non-negative (got {Batch}).");
        Window.Validate(Height, Width);
        if ((long)InChannels * Window.KernelHeight * Window.KernelWidth > int.MaxValue || InputLength > int.MaxValue || OutputLength > int.MaxValue)
            throw new ArgumentException("The convolution's weight columns or activations exceed 2³¹ elements; use a smaller batch.");
    }
}
