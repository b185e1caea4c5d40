// Row-broadcast bias: y[r, c] += b[c], and its backward db[c] += Σ_r dy[r, c].
namespace Sprout.Kernels;

/// <summary>Bias add over the rows of a row-major [rows × cols] matrix.</summary>
public static partial class Bias
{
    /// <summary>y[r, c] += bias[c] for y of shape [rows × cols].</summary>
    public static void AddRows(Span<float> y, ReadOnlySpan<float> bias, int rows, int cols) => Scalar.AddRows(y, bias, rows, cols);

    /// <summary>dBias[c] += Σ_r dy[r, c].</summary>
    public static void AddRowsBackward(ReadOnlySpan<float> dy, Span<float> dBias, int rows, int cols) => Scalar.AddRowsBackward(dy, dBias, rows, cols);

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        public static void AddRows(Span<float> y, ReadOnlySpan<float> bias, int rows, int cols)
        {
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) y[r * cols + c] += bias[c];
        }

        public static void AddRowsBackward(ReadOnlySpan<float> dy, Span<float> dBias, int rows, int cols)
        {
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) dBias[c] += dy[r * cols + c];
        }
    }
}
