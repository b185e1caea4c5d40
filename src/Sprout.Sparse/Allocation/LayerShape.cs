// LayerShape: what density allocation needs to know about one weight layer. Pure data.
namespace Sprout.Sparse.Allocation;

/// <summary>A weight layer's shape: Rows = outputs, Cols = inputs (per kernel position for a conv), kernel KernelHeight × KernelWidth.</summary>
/// <param name="Name">Layer name (module path), used for overrides and tables.</param>
/// <param name="Rows">Output units (or output channels).</param>
/// <param name="Cols">Input units (or input channels).</param>
/// <param name="KernelHeight">Kernel height (1 for a linear layer).</param>
/// <param name="KernelWidth">Kernel width (1 for a linear layer).</param>
public readonly record struct LayerShape(string Name, int Rows, int Cols, int KernelHeight = 1, int KernelWidth = 1)
{
    /// <summary>Number of weights N_l = Rows·Cols·KernelHeight·KernelWidth.</summary>
    public long Parameters => (long)Rows * Cols * KernelHeight * KernelWidth;
}
