// Row-broadcast bias: y[r, c] += b[c], and its backward db[c] += Σ_r dy[r, c].
// Both are a vector add per row (TensorPrimitives.Add); the backward adds rows in order r = 0, 1, …, so it
// matches the scalar reference exactly. Not a general broadcasting kernel.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>Bias add over the rows of a row-major [rows × cols] matrix.</summary>
public static partial class Bias
{
    /// <summary>y[r, c] += bias[c] for y of shape [rows × cols], bias of length cols.</summary>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void AddRows(Span<float> y, ReadOnlySpan<float> bias, int rows, int cols)
    {
        Validate(y.Length, bias.Length, rows, cols, "y", "bias");
        var b = bias[..cols];
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * cols, cols);
            TensorPrimitives.Add(row, b, row);
        }
    }

    /// <summary>dBias[c] += Σ_r dy[r, c] for dy of shape [rows × cols], dBias of length cols (accumulates).</summary>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void AddRowsBackward(ReadOnlySpan<float> dy, Span<float> dBias, int rows, int cols)
    {
        Validate(dy.Length, dBias.Length, rows, cols, "dy", "dBias");
        var db = dBias[..cols];
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(db, dy.Slice(r * cols, cols), db);
    }

    private static void Validate(int matrixLength, int biasLength, int rows, int cols, string matrix, string bias)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"Sizes must be non-negative (rows={rows}, cols={cols}).");
        Simd.RequireLength(checked(rows * cols), matrixLength, matrix);
        Simd.RequireLength(cols, biasLength, bias);
    }

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
