// A minimal batch im2col / col2im over a feature-major batch [C, B, H, W] ↔ columns [C·kh·kw × B·OH·OW], written
// here only so `conv` can time the im2col + SpMM path against the direct sparse kernels. Not library code: the
// library's batch im2col belongs to dense Conv2d (branch convops). Parallel over column rows (im2col) and over
// channels (col2im, each thread owning its channel's planes), with whole-row copies where the stride is 1.
using Sprout.Kernels;

namespace Sprout.Bench.Sparse;

internal static class BatchIm2Col
{
    public static void Im2Col(float[] x, float[] cols, SparseConvGeometry g)
    {
        int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth;
        Parallel.For(0, g.FanIn, new ParallelOptions { MaxDegreeOfParallelism = Parallelism.Threads }, row =>
        {
            int c = row / (kh * kw), i = row / kw % kh, j = row % kw;
            int H = g.Height, W = g.Width, OH = g.OutputHeight, OW = g.OutputWidth, s = g.Window.StrideWidth, p = g.Window.PadWidth;
            var dstRow = cols.AsSpan((int)((long)row * g.Positions), g.Positions);
            var (first, end) = Valid(j, p, s, W, OW);
            for (int b = 0; b < g.Batch; b++)
                for (int oh = 0; oh < OH; oh++)
                {
                    var dst = dstRow.Slice((b * OH + oh) * OW, OW);
                    int ih = oh * g.Window.StrideHeight - g.Window.PadHeight + i;
                    if (ih < 0 || ih >= H) { dst.Clear(); continue; }
                    var src = x.AsSpan(((c * g.Batch + b) * H + ih) * W, W);
                    dst[..first].Clear();
                    dst[end..].Clear();
                    int iw = first * s - p + j;
                    if (s == 1) src.Slice(iw, end - first).CopyTo(dst[first..end]);
                    else for (int ow = first; ow < end; ow++, iw += s) dst[ow] = src[iw];
                }
        });
    }

    /// <summary>dx (+)= the adjoint of Im2Col applied to dCols.</summary>
    public static void Col2Im(float[] dCols, float[] dx, SparseConvGeometry g)
    {
        int kh = g.Window.KernelHeight, kw = g.Window.KernelWidth;
        Parallel.For(0, g.InChannels, new ParallelOptions { MaxDegreeOfParallelism = Parallelism.Threads }, c =>
        {
            int H = g.Height, W = g.Width, OH = g.OutputHeight, OW = g.OutputWidth, s = g.Window.StrideWidth, p = g.Window.PadWidth;
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    int row = (c * kh + i) * kw + j;
                    var srcRow = dCols.AsSpan((int)((long)row * g.Positions), g.Positions);
                    var (first, end) = Valid(j, p, s, W, OW);
                    if (first >= end) continue;
                    for (int b = 0; b < g.Batch; b++)
                        for (int oh = 0; oh < OH; oh++)
                        {
                            int ih = oh * g.Window.StrideHeight - g.Window.PadHeight + i;
                            if (ih < 0 || ih >= H) continue;
                            var src = srcRow.Slice((b * OH + oh) * OW, OW);
                            var dst = dx.AsSpan(((c * g.Batch + b) * H + ih) * W, W);
                            int iw = first * s - p + j;
                            if (s == 1) System.Numerics.Tensors.TensorPrimitives.Add(dst.Slice(iw, end - first), src[first..end], dst.Slice(iw, end - first));
                            else for (int ow = first; ow < end; ow++, iw += s) dst[iw] += src[ow];
                        }
                }
        });
    }

    /// <summary>Outputs [first, end) whose tap j lands inside [0, size).</summary>
    private static (int First, int End) Valid(int tap, int pad, int stride, int size, int outputs)
    {
        int first = 0;
        while (first < outputs && first * stride - pad + tap < 0) first++;
        int end = outputs;
        while (end > first && (end - 1) * stride - pad + tap >= size) end--;
        return (first, end);
    }
}
