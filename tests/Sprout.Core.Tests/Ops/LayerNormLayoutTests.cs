// LayerNorm with a feature-major output ([features × rows], for always-sparse layers after it): the finite-difference
// check, and the same values and gradients as the batch-major op, bit for bit, on a tape whose scratch is reused.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Core.Tests.Ops;

public class LayerNormLayoutTests
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(9, 7)]
    [InlineData(12, 300)] // wider than the kernel's 256-float chunk, 8×8 transpose blocks with ragged edges
    public void FeatureMajorOutputPassesTheFiniteDifferenceCheck(int rows, int cols)
    {
        Tensor x = GradCheck.RandomTensor(1, rows, cols), gamma = GradCheck.RandomTensor(2, cols), beta = GradCheck.RandomTensor(3, cols);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.LayerNorm(x, gamma, beta, 1e-5f, Layout.FeatureMajor)), [x, gamma, beta],
            eps: 1e-2f, atol: 4e-3f);
    }

    [Fact]
    public void FeatureMajorOutputIsTheTransposeWithTheSameGradients()
    {
        const int rows = 24, cols = 20;
        Tensor x = GradCheck.RandomTensor(4, rows, cols), gamma = GradCheck.RandomTensor(5, cols), beta = GradCheck.RandomTensor(6, cols);
        var upstream = GradCheck.RandomTensor(7, rows, cols);
        var upstreamT = new Tensor(cols, rows) { Layout = Layout.FeatureMajor };
        Transpose.Matrix(upstream.Data, upstreamT.Data, rows, cols);
        var tape = new Tape();
        (float[] Y, float[] Dx, float[] Dgamma, float[] Dbeta) Run(Layout layout)
        {
            foreach (var t in new[] { x, gamma, beta }) { t.RequiresGrad = true; t.ZeroGrad(); }
            float[] y = [];
            for (int step = 0; step < 2; step++) // the second step reuses the pool's slots, the returned scratch included
            {
                foreach (var t in new[] { x, gamma, beta }) t.ZeroGrad();
                Tensor loss, output;
                using (tape.Record())
                {
                    output = Sprout.Core.Ops.LayerNorm(x, gamma, beta, 1e-5f, layout);
                    loss = Sprout.Core.Ops.Sum(Sprout.Core.Ops.Mul(output, layout == Layout.FeatureMajor ? upstreamT : upstream));
                }
                Assert.Equal(layout, output.Layout);
                tape.Backward(loss);
                y = output.ToArray();
                tape.Reset();
            }
            return (y, x.Grad.ToArray(), gamma.Grad.ToArray(), beta.Grad.ToArray());
        }
        var rowMajor = Run(Layout.BatchMajor);
        long pooled = tape.PooledFloats;
        var featureMajor = Run(Layout.FeatureMajor);
        var expected = new float[rows * cols];
        Transpose.Matrix(rowMajor.Y, expected, rows, cols);
        Assert.Equal(expected, featureMajor.Y);
        Assert.Equal(rowMajor.Dx, featureMajor.Dx);
        Assert.Equal(rowMajor.Dgamma, featureMajor.Dgamma);
        Assert.Equal(rowMajor.Dbeta, featureMajor.Dbeta);
        // One buffer more: backward's row scratch. The forward's, handed back at once, serves the next op's output.
        Assert.Equal(pooled + rows * cols, tape.PooledFloats);
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.LayerNorm(upstreamT, GradCheck.RandomTensor(8, rows), GradCheck.RandomTensor(9, rows), 1e-5f, Layout.FeatureMajor));
    }
}
