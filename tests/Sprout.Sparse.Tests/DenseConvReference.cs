// A dense 2-d convolution in double, the oracle for the sparse conv op: the weight is densified from the CSR matrix
// and every output, input gradient, weight gradient and bias gradient is the plain loop nest of its formula over
// feature-major [C, B, H, W] activations. Deliberately naive: small shapes only.
using Sprout.Sparse;

namespace Sprout.Sparse.Tests;

internal sealed class DenseConv(ConvShape shape, int batch, int height, int width, CsrMatrix weight)
{
    private readonly int _oh = (height + 2 * shape.Padding - shape.KernelHeight) / shape.Stride + 1;
    private readonly int _ow = (width + 2 * shape.Padding - shape.KernelWidth) / shape.Stride + 1;

    /// <summary>y, dX, dW [Cout × FanIn] and dBias for input x, bias and output gradient dy.</summary>
    public (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(float[] x, float[] bias, float[] dy)
    {
        int fanIn = shape.FanIn, cout = shape.OutChannels;
        var w = new double[cout * fanIn];
        for (int r = 0; r < cout; r++)
            for (int p = weight.RowPointers[r]; p < weight.RowPointers[r + 1]; p++) w[r * fanIn + weight.ColumnIndices[p]] = weight.Values[p];
        var y = new double[cout * batch * _oh * _ow];
        var dx = new double[x.Length];
        var dw = new double[cout * fanIn];
        var db = new double[cout];
        for (int co = 0; co < cout; co++)
            for (int b = 0; b < batch; b++)
                for (int oh = 0; oh < _oh; oh++)
                    for (int ow = 0; ow < _ow; ow++)
                    {
                        int o = ((co * batch + b) * _oh + oh) * _ow + ow;
                        double s = bias[co], g = dy[o];
                        db[co] += g;
                        for (int c = 0; c < shape.InChannels; c++)
                            for (int i = 0; i < shape.KernelHeight; i++)
                                for (int j = 0; j < shape.KernelWidth; j++)
                                {
                                    int ih = oh * shape.Stride - shape.Padding + i, iw = ow * shape.Stride - shape.Padding + j;
                                    if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
                                    int xi = ((c * batch + b) * height + ih) * width + iw, col = (c * shape.KernelHeight + i) * shape.KernelWidth + j;
                                    s += w[co * fanIn + col] * x[xi];
                                    dx[xi] += w[co * fanIn + col] * g;
                                    dw[co * fanIn + col] += x[xi] * g;
                                }
                        y[o] = s;
                    }
        static float[] F(double[] a) => a.Select(v => (float)v).ToArray();
        return (F(y), F(dx), F(dw), F(db));
    }
}
