// Reference loops for the direct sparse convolution kernels: Escoin's loop, one output (or one gradient) element at
// a time, summing values[p]·in[base + offset(column p)] with explicit bounds tests for the padding. The oracle the
// kernel tests compare against; no SIMD, no threading, no validation beyond span bounds checks.
namespace Sprout.Kernels;

public static partial class SparseConv
{
    /// <summary>Plain loops with the same contracts as the public kernels; the reference for tests.</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="SparseConv.Forward"/>
        public static void Forward(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values,
            ReadOnlySpan<float> x, Span<float> y, SparseConvGeometry geometry, bool accumulate)
        {
            var g = geometry;
            int oh = g.OutputHeight, ow = g.OutputWidth;
            for (int co = 0; co < g.OutChannels; co++)
                for (int b = 0; b < g.Batch; b++)
                    for (int h = 0; h < oh; h++)
                        for (int w = 0; w < ow; w++)
                        {
                            float s = 0;
                            for (int p = rowPointers[co]; p < rowPointers[co + 1]; p++)
                                s += values[p] * Input(x, g, columnIndices[p], b, h, w);
                            int o = ((co * g.Batch + b) * oh + h) * ow + w;
                            y[o] = accumulate ? y[o] + s : s;
                        }
        }

        /// <inheritdoc cref="SparseConv.InputGradient"/>
        public static void InputGradient(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
            ReadOnlySpan<float> values, ReadOnlySpan<float> dy, Span<float> dx, SparseConvGeometry geometry, bool accumulate)
        {
            var g = geometry;
            int oh = g.OutputHeight, ow = g.OutputWidth, kh = g.Window.KernelHeight, kw = g.Window.KernelWidth;
            if (!accumulate) dx[..(int)g.InputLength].Clear();
            // The adjoint of Forward: scatter every output gradient through every live weight to the input it read.
            for (int col = 0; col < g.FanIn; col++)
            {
                int c = col / (kh * kw), i = col / kw % kh, j = col % kw;
                for (int q = columnPointers[col]; q < columnPointers[col + 1]; q++)
                    for (int b = 0; b < g.Batch; b++)
                        for (int h = 0; h < oh; h++)
                            for (int w = 0; w < ow; w++)
                            {
                                int ih = h * g.Window.StrideHeight - g.Window.PadHeight + i, iw = w * g.Window.StrideWidth - g.Window.PadWidth + j;
                                if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) continue;
                                dx[((c * g.Batch + b) * g.Height + ih) * g.Width + iw] +=
                                    values[permutation[q]] * dy[((rowIndices[q] * g.Batch + b) * oh + h) * ow + w];
                            }
            }
        }

        /// <inheritdoc cref="SparseConv.WeightGradient"/>
        public static void WeightGradient(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> x,
            ReadOnlySpan<float> dy, Span<float> dValues, SparseConvGeometry geometry, bool accumulate)
        {
            for (int co = 0; co < geometry.OutChannels; co++)
                for (int p = rowPointers[co]; p < rowPointers[co + 1]; p++)
                {
                    float s = Gradient(x, dy, geometry, co, columnIndices[p]);
                    dValues[p] = accumulate ? dValues[p] + s : s;
                }
        }

        /// <inheritdoc cref="SparseConv.GradientsAt"/>
        public static void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
            Span<float> output, SparseConvGeometry geometry, bool accumulate)
        {
            for (int k = 0; k < rows.Length; k++)
            {
                float s = Gradient(x, dy, geometry, rows[k], cols[k]);
                output[k] = accumulate ? output[k] + s : s;
            }
        }

        /// <inheritdoc cref="SparseConv.DenseGradientRows"/>
        public static void DenseGradientRows(int r0, int r1, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> output, SparseConvGeometry geometry)
        {
            for (int r = r0; r < r1; r++)
                for (int col = 0; col < geometry.FanIn; col++)
                    output[(r - r0) * geometry.FanIn + col] = Gradient(x, dy, geometry, r, col);
        }

        /// <summary>∂L/∂W[co, col] = Σ_{b, oh, ow} dY[co, b, oh, ow]·X at the tap of column col.</summary>
        private static float Gradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, SparseConvGeometry g, int co, int col)
        {
            int oh = g.OutputHeight, ow = g.OutputWidth;
            float s = 0;
            for (int b = 0; b < g.Batch; b++)
                for (int h = 0; h < oh; h++)
                    for (int w = 0; w < ow; w++)
                        s += dy[((co * g.Batch + b) * oh + h) * ow + w] * Input(x, g, col, b, h, w);
            return s;
        }

        /// <summary>X[c, b, h·s − p + i, w·s − p + j] for weight column (c·KH + i)·KW + j, or 0 in the padding.</summary>
        private static float Input(ReadOnlySpan<float> x, SparseConvGeometry g, int col, int b, int h, int w)
        {
            int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth;
            int c = col / (kh * kw), i = col / kw % kh, j = col % kw;
            int ih = h * g.Window.StrideHeight - g.Window.PadHeight + i, iw = w * g.Window.StrideWidth - g.Window.PadWidth + j;
            return ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width ? 0f : x[((c * g.Batch + b) * g.Height + ih) * g.Width + iw];
        }
    }
}
