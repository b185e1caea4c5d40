// Matrix transpose, used to convert between batch-major and feature-major activation layouts.
namespace Sprout.Kernels;

/// <summary>dst[c, r] = src[r, c] for src of shape [rows × cols].</summary>
public static partial class Transpose
{
    /// <summary>Writes the transpose of src [rows × cols] into dst [cols × rows].</summary>
    public static void Matrix(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols) => Scalar.Matrix(src, dst, rows, cols);

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        public static void Matrix(ReadOnlySpan<float> src, Span<float> dst, int rows, int cols)
        {
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
        }
    }
}
