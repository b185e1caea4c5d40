// Tests of the SparseConv2d autograd op: finite differences for x, the live values and the bias; equality of output and
// every gradient with a dense convolution of the densified weight (a plain loop nest in double, written here);
// gradients at arbitrary positions and dense rows from the cache against that same dense gradient; and an
// allocation-free steady-state training step.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Sparse.Tests;

public class SparseConv2dOpTests
{
    private static (CsrMatrix W, Tensor Values, Tensor Bias, Tensor X) Make(ConvShape shape, int batch, int h, int w, double density, ulong seed)
    {
        var m = CsrMatrix.RandomWithDensity(shape.OutChannels, shape.FanIn, density, new Rng(seed));
        new Rng(seed + 1).FillUniform(m.Values, -1f, 1f);
        var x = GradCheck.RandomTensor(seed + 2, shape.InChannels, batch, h, w);
        x.Layout = Layout.FeatureMajor;
        return (m, new Tensor(m.Values, m.Nnz), GradCheck.RandomTensor(seed + 3, shape.OutChannels), x);
    }

    [Theory]
    [InlineData(2, 3, 2, 5, 4, 3, 1, 1, 0.5)]
    [InlineData(3, 2, 1, 6, 7, 3, 2, 1, 0.6)]   // stride 2, batch 1
    [InlineData(2, 2, 2, 4, 5, 1, 1, 0, 0.8)]   // 1×1
    [InlineData(1, 2, 1, 6, 6, 5, 2, 2, 0.5)]   // 5×5, stride 2, padding 2
    public void FiniteDifferences(int cin, int cout, int batch, int h, int w, int k, int stride, int pad, double density)
    {
        var shape = new ConvShape(cin, cout, k, k, stride, pad);
        var (m, values, bias, x) = Make(shape, batch, h, w, density, 5);
        GradCheck.Check(() => GradCheck.WeightedSum(SparseConv2dOp.Forward(x, m, values, bias, shape)), [x, values, bias]);
    }

    [Theory]
    [InlineData(3, 5, 2, 7, 9, 3, 1, 1, 0.3)]
    [InlineData(4, 6, 3, 8, 8, 3, 2, 1, 0.4)]
    [InlineData(5, 4, 1, 9, 7, 5, 1, 2, 0.2)]
    [InlineData(64, 8, 2, 5, 5, 3, 1, 1, 0.05)]
    public void MatchesDenseConvolutionOfTheDensifiedWeight(int cin, int cout, int batch, int h, int w, int k, int stride, int pad, double density)
    {
        var shape = new ConvShape(cin, cout, k, k, stride, pad);
        var (m, values, bias, x) = Make(shape, batch, h, w, density, 9);
        var cache = new ConvBatchCache();
        var tape = new Tape();
        Tensor y, loss;
        foreach (var t in new[] { x, values, bias }) t.RequiresGrad = true;
        var g = SparseConv2dOp.Geometry(shape, batch, h, w);
        var dyT = GradCheck.RandomTensor(17, cout, batch, g.OutputHeight, g.OutputWidth);
        dyT.Layout = Layout.FeatureMajor; // the output gradient weights a FeatureMajor output
        using (tape.Record())
        {
            y = SparseConv2dOp.Forward(x, m, values, bias, shape, cache);
            loss = Ops.Sum(Ops.Mul(y, dyT)); // dL/dy = dyT
        }
        Assert.Equal(Layout.FeatureMajor, y.Layout);
        tape.Backward(loss);
        var dyData = dyT.Data.ToArray();

        var dense = new DenseConv(shape, batch, h, w, m);
        var (yRef, dxRef, dwRef, dbRef) = dense.Run(x.Data.ToArray(), bias.Data.ToArray(), dyData);
        Approx.Equal(yRef, y.Data, 1e-4f, 1e-4f, "y");
        Approx.Equal(dxRef, x.Grad, 1e-4f, 1e-4f, "dx");
        Approx.Equal(dbRef, bias.Grad, 1e-3f, 1e-4f, "dbias");
        float[] dwLive = new float[m.Nnz], live = new float[m.Nnz];
        int[] rows = new int[m.Nnz], cols = m.ColumnIndices.ToArray();
        for (int r = 0; r < m.Rows; r++)
            for (int p = m.RowPointers[r]; p < m.RowPointers[r + 1]; p++) (rows[p], dwLive[p]) = (r, dwRef[r * shape.FanIn + cols[p]]);
        Approx.Equal(dwLive, values.Grad, 1e-3f, 1e-4f, "dW at live weights");

        // From the cache, after the tape is gone: any positions (here every live one, then dense rows).
        tape.Reset();
        SparseConv2dOp.GradientsAt(cache, shape, h, w, rows, cols, live);
        Approx.Equal(dwLive, live, 1e-3f, 1e-4f, "GradientsAt");
        int r0 = 1, r1 = cout;
        float[] block = new float[(r1 - r0) * shape.FanIn];
        SparseConv2dOp.DenseGradientRows(cache, shape, h, w, r0, r1, block);
        Approx.Equal(dwRef.AsSpan(r0 * shape.FanIn, block.Length), block, 1e-3f, 1e-4f, "DenseGradientRows");
    }

    [Fact]
    public void RejectsBatchMajorInputAndMismatchedWeight()
    {
        var shape = new ConvShape(2, 3, 3, 3, 1, 1);
        var (m, values, _, x) = Make(shape, 2, 5, 5, 0.5, 1);
        x.Layout = Layout.BatchMajor;
        Assert.Throws<ArgumentException>(() => SparseConv2dOp.Forward(x, m, values, null, shape));
        x.Layout = Layout.FeatureMajor;
        Assert.Throws<ArgumentException>(() => SparseConv2dOp.Forward(x, m, values, null, shape with { KernelWidth = 1 }));
        Assert.Throws<InvalidOperationException>(() => SparseConv2dOp.GradientsAt(new ConvBatchCache(), shape, 5, 5, [0], [0], new float[1]));
    }

    [Fact]
    public void SteadyStateTrainingStep_AllocatesNothing()
    {
        var shape = new ConvShape(16, 32, 3, 3, 2, 1);
        var (m, values, bias, x) = Make(shape, 4, 16, 16, 0.1, 3);
        foreach (var t in new[] { x, values, bias }) t.RequiresGrad = true;
        var cache = new ConvBatchCache();
        var tape = new Tape();
        int[] rows = [0, 5, 5, 31], cols = [0, 7, 100, 143];
        float[] scores = new float[4], block = new float[2 * shape.FanIn];
        var dyT = GradCheck.RandomTensor(4, 32, 4, 8, 8);
        dyT.Layout = Layout.FeatureMajor;
        void Step()
        {
            Tensor loss;
            using (tape.Record()) loss = Ops.Sum(Ops.Mul(SparseConv2dOp.Forward(x, m, values, bias, shape, cache), dyT));
            tape.Backward(loss);
            tape.Reset();
            SparseConv2dOp.GradientsAt(cache, shape, 16, 16, rows, cols, scores);
            SparseConv2dOp.DenseGradientRows(cache, shape, 16, 16, 3, 5, block);
        }
        Step();
        Assert.Equal(0, Allocations.OnceSettled(Step));
    }
}
