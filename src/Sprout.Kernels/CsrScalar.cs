// Reference loops for the CSR kernels: the obvious loop nest of each formula, in the order the formula reads.
// They are the oracle the kernel tests compare against, and a usable (single-threaded, bounds-checked) path.
// Deliberately no argument validation beyond span bounds checks, no SIMD, no threading, no cleverness.
namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>Plain loops with the same contracts as the public kernels; the reference for tests.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Csr.SpMM"/>
        public static void SpMM(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values,
            ReadOnlySpan<float> x, Span<float> y, int rows, int cols, int batch, bool accumulate)
        {
            // rowPointers [rows+1], columnIndices [nnz], values [nnz]; x [cols × batch]; y [rows × batch].
            for (int r = 0; r < rows; r++)
            {
                Span<float> yr = y.Slice(r * batch, batch);
                if (!accumulate) yr.Clear();
                for (int p = rowPointers[r]; p < rowPointers[r + 1]; p++)
                {
                    ReadOnlySpan<float> xc = x.Slice(columnIndices[p] * batch, batch);
                    for (int b = 0; b < batch; b++) yr[b] += values[p] * xc[b];
                }
            }
        }

        /// <inheritdoc cref="Csr.SpMMBias"/>
        public static void SpMMBias(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values,
            ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int rows, int cols, int batch, bool relu)
        {
            // rowPointers [rows+1], columnIndices [nnz], values [nnz], bias [rows] or []; x [cols × batch]; y [rows × batch].
            SpMM(rowPointers, columnIndices, values, x, y, rows, cols, batch, accumulate: false);
            for (int r = 0; r < rows; r++)
                for (int b = 0; b < batch; b++)
                {
                    float v = y[r * batch + b] + (bias.IsEmpty ? 0f : bias[r]);
                    y[r * batch + b] = relu && v <= 0 ? 0 : v;
                }
        }

        /// <inheritdoc cref="Csr.SpMMTransposed"/>
        public static void SpMMTransposed(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
            ReadOnlySpan<float> values, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols, int batch, bool accumulate)
        {
            // columnPointers [cols+1], rowIndices [nnz], permutation [nnz], values [nnz]; dy [rows × batch]; dx [cols × batch].
            for (int c = 0; c < cols; c++)
            {
                Span<float> dxc = dx.Slice(c * batch, batch);
                if (!accumulate) dxc.Clear();
                for (int q = columnPointers[c]; q < columnPointers[c + 1]; q++)
                {
                    float w = values[permutation[q]];
                    ReadOnlySpan<float> dyr = dy.Slice(rowIndices[q] * batch, batch);
                    for (int b = 0; b < batch; b++) dxc[b] += w * dyr[b];
                }
            }
        }

        /// <inheritdoc cref="Csr.SpMMBackward"/>
        public static void SpMMBackward(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
            ReadOnlySpan<float> values, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, Span<float> dValues,
            int rows, int cols, int batch, bool accumulateInput, bool accumulateValues)
        {
            // columnPointers [cols+1], rowIndices [nnz], permutation [nnz], values [nnz]; x [cols × batch]; dy [rows × batch];
            // dx [cols × batch]; dValues [nnz].
            SpMMTransposed(columnPointers, rowIndices, permutation, values, dy, dx, rows, cols, batch, accumulateInput);
            for (int c = 0; c < cols; c++)
                for (int q = columnPointers[c]; q < columnPointers[c + 1]; q++)
                {
                    int p = permutation[q];
                    float s = Dot(dy.Slice(rowIndices[q] * batch, batch), x.Slice(c * batch, batch));
                    dValues[p] = accumulateValues ? dValues[p] + s : s;
                }
        }

        /// <inheritdoc cref="Csr.Sddmm"/>
        public static void Sddmm(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> dy,
            ReadOnlySpan<float> x, Span<float> values, int rows, int cols, int batch, bool accumulate)
        {
            // rowPointers [rows+1], columnIndices [nnz]; dy [rows × batch]; x [cols × batch]; values [nnz].
            for (int r = 0; r < rows; r++)
                for (int p = rowPointers[r]; p < rowPointers[r + 1]; p++)
                {
                    float s = Dot(dy.Slice(r * batch, batch), x.Slice(columnIndices[p] * batch, batch));
                    values[p] = accumulate ? values[p] + s : s;
                }
        }

        /// <inheritdoc cref="Csr.SddmmAt"/>
        public static void SddmmAt(ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> dy,
            ReadOnlySpan<float> x, Span<float> output, int rows, int cols, int batch, bool accumulate)
        {
            // rowIndices [k], columnIndices [k]; dy [rows × batch]; x [cols × batch]; output [k].
            for (int q = 0; q < rowIndices.Length; q++)
            {
                float s = Dot(dy.Slice(rowIndices[q] * batch, batch), x.Slice(columnIndices[q] * batch, batch));
                output[q] = accumulate ? output[q] + s : s;
            }
        }

        private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        {
            float s = 0;
            for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
            return s;
        }
    }
}
