// ConvBatchStatistics: GSE's per-feature batch aggregates (IBatchStatistics) for a convolution. The conv's W
// [Cout × Cin·KH·KW] meets its input through im2col, whose row (c, kh, kw) holds x[c, b, oh·s − p + kh, ow·s − p + kw]
// over the B·OH·OW positions; the aggregates are sums over those rows (padding reads 0) and over dY's rows, computed
// straight from the cached feature-major X and dY without building the im2col matrix. O(Cin·KH·KW·B·OH·OW) time.
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>Per-input-column and per-output-channel aggregates of a conv layer's cached batch.</summary>
public static class ConvBatchStatistics
{
    /// <summary>
    /// inputStat[(c·KH + kh)·KW + kw] = Σ_positions f(x at that tap), outputStat[co] = Σ_positions f(dY[co, ·]), with
    /// f = |·| when <paramref name="signs"/> is empty (GraBo) and f(v) = s_position·v with signs [B·OH·OW] otherwise (GraEst).
    /// </summary>
    /// <param name="x">Cached input [Cin, B, H, W].</param>
    /// <param name="dy">Cached output gradient [Cout, B, OH, OW].</param>
    /// <param name="g">The conv's geometry for the cached batch.</param>
    /// <param name="signs">Empty, or one ±1 per position (b·OH + oh)·OW + ow.</param>
    /// <param name="inputStat">[Cin·KH·KW].</param>
    /// <param name="outputStat">[Cout].</param>
    /// <exception cref="ArgumentException">A span's length does not fit the geometry.</exception>
    public static void Compute(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, SparseConvGeometry g, ReadOnlySpan<float> signs,
        Span<float> inputStat, Span<float> outputStat)
    {
        var win = g.Window;
        int n = g.Positions, oh = g.OutputHeight, ow = g.OutputWidth;
        if (inputStat.Length != g.FanIn || outputStat.Length != g.OutChannels)
            throw new ArgumentException($"Statistics need spans of {g.FanIn} (Cin·KH·KW) and {g.OutChannels} (Cout) elements, got {inputStat.Length} and {outputStat.Length}.");
        if (x.Length != (long)g.InChannels * g.Batch * g.Height * g.Width || dy.Length != (long)g.OutChannels * n)
            throw new ArgumentException("The cached input or output gradient does not match the conv geometry.");
        if (!signs.IsEmpty && signs.Length != n)
            throw new ArgumentException($"GraEst needs one sign per output position (B·OH·OW = {n}), got {signs.Length}.", nameof(signs));
        bool abs = signs.IsEmpty;
        for (int co = 0; co < g.OutChannels; co++)
        {
            var row = dy.Slice(co * n, n);
            outputStat[co] = abs ? System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes(row) : System.Numerics.Tensors.TensorPrimitives.Dot(row, signs);
        }
        for (int c = 0; c < g.InChannels; c++)
            for (int kh = 0; kh < win.KernelHeight; kh++)
                for (int kw = 0; kw < win.KernelWidth; kw++)
                {
                    double sum = 0;
                    for (int b = 0; b < g.Batch; b++)
                    {
                        var plane = x.Slice((c * g.Batch + b) * g.Height * g.Width, g.Height * g.Width);
                        for (int i = 0; i < oh; i++)
                        {
                            int ih = i * win.StrideHeight - win.PadHeight + kh;
                            if ((uint)ih >= (uint)g.Height) continue;
                            int pos = (b * oh + i) * ow;
                            for (int j = 0; j < ow; j++)
                            {
                                int iw = j * win.StrideWidth - win.PadWidth + kw;
                                if ((uint)iw >= (uint)g.Width) continue;
                                float v = plane[ih * g.Width + iw];
                                sum += abs ? MathF.Abs(v) : signs[pos + j] * v;
                            }
                        }
                    }
                    inputStat[(c * win.KernelHeight + kh) * win.KernelWidth + kw] = (float)sum;
                }
    }
}
