// Window2d: the geometry of a 2-d sliding window (kernel, stride, zero padding) over an H×W plane, shared by
// convolution lowering (Convolution.Im2Col/Col2Im) and pooling. Only the geometry: no data, no dilation.
namespace Sprout.Kernels;

/// <summary>
/// A kernelHeight×kernelWidth window moved by (strideHeight, strideWidth) over a plane zero-padded by
/// (padHeight, padWidth) on each side. Output size per axis: ⌊(in + 2·pad − kernel) / stride⌋ + 1.
/// </summary>
public readonly record struct Window2d(int KernelHeight, int KernelWidth, int StrideHeight = 1, int StrideWidth = 1,
    int PadHeight = 0, int PadWidth = 0)
{
    /// <summary>Output rows for an input of <paramref name="height"/> rows.</summary>
    public int OutputHeight(int height) => (height + 2 * PadHeight - KernelHeight) / StrideHeight + 1;

    /// <summary>Output columns for an input of <paramref name="width"/> columns.</summary>
    public int OutputWidth(int width) => (width + 2 * PadWidth - KernelWidth) / StrideWidth + 1;

    /// <summary>Throws unless the window is well formed and fits a height×width plane.</summary>
    /// <exception cref="ArgumentException">Kernel, stride or plane size below 1, negative padding, padding ≥ kernel, or no output.</exception>
    public void Validate(int height, int width)
    {
        if (KernelHeight < 1 || KernelWidth < 1) throw new ArgumentException($"Kernel must be at least 1×1 (got {KernelHeight}×{KernelWidth}).");
        if (StrideHeight < 1 || StrideWidth < 1) throw new ArgumentException($"Stride must be at least 1 (got {StrideHeight}, {StrideWidth}).");
        if (PadHeight < 0 || PadWidth < 0) throw new ArgumentException($"Padding must be non-negative (got {PadHeight}, {PadWidth}).");
        // A window lying wholly in the padding would have no input element (pooling could not pick an argmax).
        if (PadHeight >= KernelHeight || PadWidth >= KernelWidth) throw new ArgumentException("Padding must be smaller than the kernel.");
        if (height < 1 || width < 1) throw new ArgumentException($"Plane size must be positive (got {height}×{width}).");
        if (height + 2 * PadHeight < KernelHeight || width + 2 * PadWidth < KernelWidth)
            throw new ArgumentException($"A {KernelHeight}×{KernelWidth} window does not fit a padded {height}×{width} plane.");
    }

    /// <summary>First output index whose window tap at offset <paramref name="tap"/> lands inside [0, size), and one past the last.</summary>
    internal (int First, int End) ValidRange(int tap, int pad, int stride, int size, int outputs)
    {
        // input index = o·stride − pad + tap must satisfy 0 ≤ index < size.
        int lo = pad - tap;
        int first = lo <= 0 ? 0 : (lo + stride - 1) / stride;
        int hiNumerator = size - 1 + pad - tap;
        int end = hiNumerator < 0 ? 0 : hiNumerator / stride + 1;
        end = Math.Min(end, outputs);
        return (Math.Min(first, end), end);
    }
}
