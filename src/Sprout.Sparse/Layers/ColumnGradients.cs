// ColumnGradients: the weight-gradient queries every sparse layer answers from its last batch, written once over
// the cached columns: inputs X [Cols × N] and output gradients dY [Rows × N], so that dL/dW = dY·Xᵀ. For a linear
// layer N is the batch; for a conv it is B·OH·OW and X is the im2col matrix, so a SparseConv2d that caches its
// columns reuses these unchanged. Never forms a dense Rows × Cols buffer except the row block a caller asks for.
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>dL/dW at positions, dense row blocks of dL/dW, and per-feature batch statistics from cached columns.</summary>
public static class ColumnGradients
{
    /// <summary>dst[i] = Σ_n dY[rows[i], n]·X[cols[i], n] (SDDMM at the given positions).</summary>
    /// <param name="rows">Row of each position.</param>
    /// <param name="cols">Column of each position.</param>
    /// <param name="outputGradient">dY [rowCount × n].</param>
    /// <param name="input">X [colCount × n].</param>
    /// <param name="dst">One gradient per position.</param>
    /// <param name="rowCount">Rows of W.</param>
    /// <param name="colCount">Columns of W.</param>
    /// <param name="n">Columns cached (batch, or B·OH·OW).</param>
    public static void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input,
        Span<float> dst, int rowCount, int colCount, int n) =>
        Csr.SddmmAt(rows, cols, outputGradient, input, dst, rowCount, colCount, n, accumulate: false);

    /// <summary>Rows [r0, r1) of dL/dW = dY·Xᵀ into dst [(r1 − r0) × colCount].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row range is outside [0, rowCount).</exception>
    public static void DenseGradientRows(int r0, int r1, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, Span<float> dst,
        int rowCount, int colCount, int n)
    {
        if (r0 < 0 || r1 > rowCount || r0 > r1) throw new ArgumentOutOfRangeException(nameof(r1), $"Rows [{r0}, {r1}) are outside [0, {rowCount}).");
        Gemm.Multiply(outputGradient[(r0 * n)..(r1 * n)], input, dst, r1 - r0, colCount, n, transB: true);
    }

    /// <summary>
    /// Per-feature aggregates over the n columns: with empty <paramref name="signs"/>, Σ_n |X[i, n]| into inputStat [colCount]
    /// and Σ_n |dY[j, n]| into outputStat [rowCount]; with signs [n], the signed sums Σ_n s_n·X[i, n] and Σ_n s_n·dY[j, n].
    /// </summary>
    /// <exception cref="ArgumentException">A span's length does not match.</exception>
    public static void BatchStatistics(ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> input, int n, ReadOnlySpan<float> signs,
        Span<float> inputStat, Span<float> outputStat)
    {
        if (input.Length != inputStat.Length * n || outputGradient.Length != outputStat.Length * n)
            throw new ArgumentException($"Statistics need spans of {input.Length / Math.Max(n, 1)} (inputs) and {outputGradient.Length / Math.Max(n, 1)} (outputs) elements, got {inputStat.Length} and {outputStat.Length}.");
        if (!signs.IsEmpty && signs.Length != n)
            throw new ArgumentException($"GraEst needs one sign per cached column ({n}), got {signs.Length}.", nameof(signs));
        // Both caches are feature-major, so each feature's columns are one contiguous row.
        Aggregate(input, n, signs, inputStat);
        Aggregate(outputGradient, n, signs, outputStat);
    }

    private static void Aggregate(ReadOnlySpan<float> featureMajor, int n, ReadOnlySpan<float> signs, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            var row = featureMajor.Slice(i * n, n);
            dst[i] = signs.IsEmpty
                ? System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes(row)
                : System.Numerics.Tensors.TensorPrimitives.Dot(row, signs);
        }
    }
}
