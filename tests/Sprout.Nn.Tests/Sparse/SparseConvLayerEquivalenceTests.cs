// SparseConv2d (CSR, always-sparse), MaskedConv2d (dense ⊙ mask) and Conv2d (dense, weights zeroed off the mask)
// must compute the same function and gradients, and the sparse layers' gradients at arbitrary positions, streamed
// dense gradient rows and GSE batch statistics must match the dense conv's gradient / an explicit im2col.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

public class SparseConvLayerEquivalenceTests
{
    [Theory]
    [InlineData(3, 5, 3, 1, 1, 2, 7, 0.4)]  // 3×3, stride 1, padding 1
    [InlineData(4, 6, 3, 2, 1, 3, 8, 0.3)]  // stride 2
    [InlineData(2, 3, 3, 2, 0, 1, 9, 0.5)]  // stride 2 unpadded, batch 1
    [InlineData(5, 4, 1, 1, 0, 2, 5, 0.5)]  // 1×1 (pointwise path of the dense kernels)
    [InlineData(6, 8, 1, 2, 0, 2, 6, 0.25)] // 1×1 stride 2 (a ResNet shortcut)
    public void SameOutputsAndGradients(int cin, int cout, int k, int stride, int pad, int batch, int size, double density)
    {
        var shape = new ConvShape(cin, cout, k, k, stride, pad);
        var topo = CsrMatrix.RandomWithDensity(cout, shape.FanIn, density, new Rng(1));
        var sparse = new SparseConv2d(shape, topo.Clone(), new Rng(2), bias: true);
        var masked = new MaskedConv2d(shape, topo.Clone(), new Rng(2), bias: true);
        var dense = new Conv2d(shape, new Rng(3), bias: true);
        Approx.Equal(SparseWeights(sparse), masked.Weight.ToArray(), 0, 0, "same init for CSR and masked");
        masked.Weight.Data.CopyTo(dense.Weight.Data);
        foreach (var b in new[] { sparse.Bias!, masked.Bias!, dense.Bias! }) new Rng(5).FillUniform(b.Data, -0.5f, 0.5f);

        var x = GradCheck.RandomTensor(4, cin, batch, size, size);
        x.Layout = Layout.FeatureMajor;
        var results = new List<(float[] Y, float[] Dx, float[] Dw, float[] Db)>();
        var layers = new (Module Layer, Func<float[]> DenseWeightGrad, Tensor Bias)[]
        {
            (sparse, () => Scatter(sparse.Topology, sparse.Values.Grad.ToArray()), sparse.Bias!),
            (masked, () => masked.Weight.Grad.ToArray(), masked.Bias!),
            (dense, () => dense.Weight.Grad.ToArray(), dense.Bias!),
        };
        foreach (var (layer, weightGrad, bias) in layers)
        {
            var tape = new Tape();
            x.RequiresGrad = true;
            x.ZeroGrad();
            Tensor y, loss;
            using (tape.Record())
            {
                y = layer.Forward(x);
                loss = GradCheck.WeightedSum(y, 5);
            }
            tape.Backward(loss);
            results.Add((y.ToArray(), x.Grad.ToArray(), MaskWith(weightGrad(), masked.Mask.ToArray()), bias.Grad.ToArray()));
            tape.Reset();
        }
        for (int i = 1; i < 3; i++)
        {
            Approx.Equal(results[0].Y, results[i].Y, 1e-5f, 1e-4f, $"y of layer {i}");
            Approx.Equal(results[0].Dx, results[i].Dx, 1e-5f, 1e-4f, $"dx of layer {i}");
            Approx.Equal(results[0].Dw, results[i].Dw, 1e-4f, 1e-4f, $"dw of layer {i}");
            Approx.Equal(results[0].Db, results[i].Db, 1e-4f, 1e-4f, $"db of layer {i}");
        }

        // Gradients anywhere: the dense conv's full gradient (the masked layer keeps it) is the reference.
        int oh = shape.Window.OutputHeight(size), ow = shape.Window.OutputWidth(size);
        Assert.Equal(batch * oh * ow, sparse.CachedBatch);
        Assert.Equal(batch * oh * ow, masked.CachedBatch);
        var full = dense.Weight.Grad.ToArray();
        Approx.Equal(full, masked.DenseGradient.ToArray(), 1e-4f, 1e-4f, "masked layer's dense gradient");
        int n = cout * shape.FanIn;
        var rows = Enumerable.Range(0, n).Select(i => i / shape.FanIn).ToArray();
        var cols = Enumerable.Range(0, n).Select(i => i % shape.FanIn).ToArray();
        var at = new float[n];
        sparse.GradientsAt(rows, cols, at);
        Approx.Equal(full, at, 1e-4f, 1e-4f, "SparseConv2d.GradientsAt");
        masked.GradientsAt(rows, cols, at);
        Approx.Equal(full, at, 1e-4f, 1e-4f, "MaskedConv2d.GradientsAt");
        var denseRows = new float[(cout - 1) * shape.FanIn];
        sparse.DenseGradientRows(1, cout, denseRows);
        Approx.Equal(full.AsSpan(shape.FanIn).ToArray(), denseRows, 1e-4f, 1e-4f, "SparseConv2d.DenseGradientRows");

        // GSE statistics over the im2col rows, against an explicit im2col of x and dY.
        var columns = new float[shape.FanIn * batch * oh * ow];
        FeatureMajorConvolution.Scalar.Im2Col(x.Data, columns, cin, batch, size, size, shape.Window);
        var unitSums = new float[cout];
        var ones = new float[batch * oh * ow];
        Array.Fill(ones, 1f);
        var signs = Enumerable.Range(0, ones.Length).Select(i => i % 3 == 0 ? -1f : 1f).ToArray();
        sparse.BatchStatistics(ones, new float[shape.FanIn], unitSums); // signs all +1: Σ_positions dY = dL/db
        var inAbs = new float[shape.FanIn];
        var outAbs = new float[cout];
        sparse.BatchStatistics([], inAbs, outAbs);
        var inSigned = new float[shape.FanIn];
        var outSigned = new float[cout];
        sparse.BatchStatistics(signs, inSigned, outSigned);
        Approx.Equal(Rowwise(columns, shape.FanIn, v => MathF.Abs(v), null), inAbs, 1e-4f, 1e-4f, "GraBo input statistics");
        Approx.Equal(Rowwise(columns, shape.FanIn, v => v, signs), inSigned, 1e-4f, 1e-4f, "GraEst input statistics");
        Approx.Equal(results[2].Db, unitSums, 1e-4f, 1e-4f, "output statistic with unit signs = dL/db");
        for (int co = 0; co < cout; co++) Assert.True(outAbs[co] >= MathF.Abs(unitSums[co]) - 1e-4f, "GraBo output statistic ≥ |Σ dY|");
    }

    [Fact]
    public void GradientsBeforeABackwardPass_AreRefusedWithAClearMessage()
    {
        var layer = new SparseConv2d(new ConvShape(2, 3, 3, 3, 1, 1), 0.5, new Rng(1)) { LayerName = "conv1" };
        Assert.Contains("'conv1'", Assert.Throws<InvalidOperationException>(() => layer.GradientsAt([0], [0], new float[1])).Message);
        Assert.Equal(0, layer.CachedBatch);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SparseConv2d(new ConvShape(2, 3, 3, 3), 0, new Rng(1)));
        Assert.Throws<ArgumentException>(() => new SparseConv2d(new ConvShape(2, 3, 3, 3), CsrMatrix.RandomWithDensity(3, 5, 0.5, new Rng(1)), new Rng(1)));
    }

    [Fact]
    public void DescribeCountsMultiplyAddsAtEveryOutputPosition()
    {
        var shape = new ConvShape(4, 8, 3, 3, 2, 1);
        var layer = new SparseConv2d(shape, 0.25, new Rng(1));
        var d = layer.Describe();
        Assert.Equal("csr", d.Kind);
        Assert.True(d.Geometry.IsConv);
        int[] input = [4, 5, 9, 9]; // [C, B, H, W]: OH = OW = 5
        Assert.Equal(3L * layer.Topology.Nnz * 5 * 5 * 5, d.ExecutedMultiplyAdds(input));
        Assert.Equal(3L * 8 * 36 * 5 * 5 * 5, d.DenseMultiplyAdds(input));
        var m = new MaskedConv2d(shape, 0.25, new Rng(1)).Describe();
        Assert.Equal(m.DenseMultiplyAdds(input), m.ExecutedMultiplyAdds(input));
        Assert.Equal(layer.Topology.Nnz, m.Nnz);
    }

    private static float[] Rowwise(float[] matrix, int rows, Func<float, float> f, float[]? signs)
    {
        int n = matrix.Length / rows;
        var result = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += f(matrix[r * n + j]) * (signs?[j] ?? 1f);
            result[r] = (float)s;
        }
        return result;
    }

    private static float[] SparseWeights(SparseConv2d layer) => Scatter(layer.Topology, layer.Values.ToArray());

    private static float[] Scatter(CsrMatrix t, float[] values)
    {
        var dense = new float[t.Rows * t.Cols];
        for (int p = 0; p < t.Nnz; p++) dense[(int)t.LinearIndexOf(p)] = values[p];
        return dense;
    }

    private static float[] MaskWith(float[] w, float[] mask)
    {
        for (int i = 0; i < w.Length; i++) w[i] *= mask[i];
        return w;
    }
}
