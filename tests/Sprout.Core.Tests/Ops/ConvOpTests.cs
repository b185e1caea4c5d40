// Conv-net ops on FeatureMajor [C, B, H, W]: finite-difference checks for Conv2d (3×3, stride 2, padding, 1×1 direct
// and strided, bias, batch 1), BatchNorm (training with and without affine, evaluation), MaxPool2d, AvgPool2d, global average
// pooling and both reorders; Conv2d against a direct convolution; running statistics; layout checks; and a steady-state
// conv step (conv, BN, ReLU, pool, residual add, head, loss, backward) that allocates nothing.
using Sprout.Core;
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Core.Tests.Ops;

public class ConvOpTests
{
    private static Tensor Fm(ulong seed, params int[] shape)
    {
        var t = GradCheck.RandomTensor(seed, shape);
        t.Layout = Layout.FeatureMajor;
        return t;
    }

    public static TheoryData<int, int, int, int, int, int, int, int, bool> ConvCases() => new()
    {
        // cin, cout, batch, h, w, k, stride, pad, bias
        { 2, 3, 2, 5, 4, 3, 1, 1, false },
        { 3, 2, 1, 7, 5, 3, 2, 1, true },
        { 2, 4, 3, 3, 3, 1, 1, 0, true },    // pointwise: no im2col
        { 3, 2, 2, 5, 5, 1, 2, 0, false },   // strided 1×1 shortcut
        { 1, 2, 2, 6, 6, 5, 1, 0, false },   // LeNet-style 5×5
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2dGradients(int cin, int cout, int batch, int h, int w, int k, int stride, int pad, bool bias)
    {
        var x = Fm(1, cin, batch, h, w);
        var weight = GradCheck.RandomTensor(2, cout, cin * k * k);
        var b = bias ? GradCheck.RandomTensor(3, cout) : null;
        var win = new Window2d(k, k, stride, stride, pad, pad);
        Tensor[] inputs = b is null ? [x, weight] : [x, weight, b];
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Conv2d(x, weight, b, win)), inputs);
    }

    [Fact]
    public void Conv2dMatchesADirectConvolution()
    {
        const int cin = 3, cout = 4, batch = 2, h = 6, w = 5;
        var win = new Window2d(3, 3, 2, 2, 1, 1);
        var x = Fm(4, cin, batch, h, w);
        var weight = GradCheck.RandomTensor(5, cout, cin * 9);
        var bias = GradCheck.RandomTensor(6, cout);
        var y = Sprout.Core.Ops.Conv2d(x, weight, bias, win);
        int oh = win.OutputHeight(h), ow = win.OutputWidth(w);
        Assert.Equal([cout, batch, oh, ow], y.Shape.ToArray());
        Assert.Equal(Layout.FeatureMajor, y.Layout);
        for (int o = 0; o < cout; o++)
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double s = bias[o];
                        for (int c = 0; c < cin; c++)
                            for (int p = 0; p < 3; p++)
                                for (int q = 0; q < 3; q++)
                                {
                                    int ih = i * 2 - 1 + p, iw = j * 2 - 1 + q;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < w)
                                        s += weight[o, (c * 3 + p) * 3 + q] * x[((c * batch + b) * h + ih) * w + iw];
                                }
                        Assert.Equal(s, y[((o * batch + b) * oh + i) * ow + j], 4);
                    }
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void BatchNormGradients(bool training, bool affine)
    {
        var x = Fm(7, 3, 2, 3, 2);
        var gamma = affine ? GradCheck.RandomTensor(8, 3) : null;
        var beta = affine ? GradCheck.RandomTensor(9, 3) : null;
        var (rm, rv) = (GradCheck.RandomTensor(10, 3), new Tensor(3));
        for (int i = 0; i < 3; i++) rv[i] = 0.5f + i;
        Tensor[] inputs = affine ? [x, gamma!, beta!] : [x];
        // Training updates the running statistics, which training-mode outputs never read.
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.BatchNorm(x, gamma, beta, rm, rv, training)), inputs,
            eps: 1e-2f, atol: 5e-3f, rtol: 3e-2f);
    }

    [Fact]
    public void BatchNormMovesRunningStatisticsLikePyTorch()
    {
        var x = new Tensor([1f, 2f, 3f, 4f, 10f, 10f, 10f, 10f], 2, 4) { Layout = Layout.FeatureMajor };
        var (rm, rv) = (new Tensor(2), new Tensor([1f, 1f], 2));
        var y = Sprout.Core.Ops.BatchNorm(x, null, null, rm, rv, training: true, momentum: 0.1f);
        Assert.Equal(0.25f, rm[0], 5);                       // 0.9·0 + 0.1·2.5
        Assert.Equal(0.9f + 0.1f * (5f / 3f), rv[0], 5);     // unbiased variance of 1..4 is 5/3
        Assert.Equal(1f, rm[1], 5);
        Assert.Equal(0.9f, rv[1], 5);
        Assert.Equal(0f, y[4], 5);                           // a constant channel normalizes to 0
        var e = Sprout.Core.Ops.BatchNorm(x, null, null, rm, rv, training: false);
        Assert.Equal((1f - 0.25f) / MathF.Sqrt(rv[0] + 1e-5f), e[0], 5);
    }

    [Fact]
    public void MaxPoolGradients()
    {
        // Distinct values far apart, so no finite-difference step changes a window's winner.
        var x = Fm(11, 2, 2, 5, 5);
        var order = Enumerable.Range(0, x.Size).OrderBy(i => x[i]).ToArray();
        for (int r = 0; r < order.Length; r++) x[order[r]] = r * 0.1f;
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.MaxPool2d(x, new Window2d(2, 2, 2, 2))), [x]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.MaxPool2d(x, new Window2d(3, 3, 2, 2, 1, 1))), [x]);
    }

    [Fact]
    public void AvgPoolGradients()
    {
        var x = Fm(18, 2, 2, 5, 4);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.AvgPool2d(x, new Window2d(2, 2, 2, 2))), [x]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.AvgPool2d(x, new Window2d(3, 3, 2, 2, 1, 1))), [x]);
    }

    [Fact]
    public void GlobalAvgPoolGradientsAndBatchMajorOutput()
    {
        var x = Fm(12, 3, 2, 3, 4);
        var y = Sprout.Core.Ops.GlobalAvgPool2d(x);
        Assert.Equal([2, 3], y.Shape.ToArray());
        Assert.Equal(Layout.BatchMajor, y.Layout);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.GlobalAvgPool2d(x)), [x]);
    }

    [Fact]
    public void ReorderGradientsAndRoundTrip()
    {
        var images = GradCheck.RandomTensor(13, 3, 2 * 4 * 5);   // [B, C·H·W] as the loader gives it
        var fm = Sprout.Core.Ops.ToFeatureMajor(images, 2, 4, 5);
        Assert.Equal([2, 3, 4, 5], fm.Shape.ToArray());
        Assert.Equal(images[1, 20 + 7], fm[((1 * 3 + 1) * 4 + 1) * 5 + 2]);   // image 1, channel 1, (1, 2)
        Assert.Equal(images.ToArray(), Sprout.Core.Ops.ToBatchMajor(fm).ToArray());
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.ToFeatureMajor(images, 2, 4, 5)), [images]);
        var f = Fm(14, 2, 3, 2, 2);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.ToBatchMajor(f)), [f]);
        // Two consumers: the second backward adds to the first's gradient.
        GradCheck.Check(() => Sprout.Core.Ops.Add(GradCheck.WeightedSum(Sprout.Core.Ops.ToBatchMajor(f)),
            GradCheck.WeightedSum(Sprout.Core.Ops.ToBatchMajor(f), 5)), [f]);
    }

    [Fact]
    public void ResidualAddGradientsAndLayoutCheck()
    {
        var (a, b) = (Fm(15, 2, 3, 2, 2), Fm(16, 2, 3, 2, 2));
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Add(a, b)), [a, b]);
        Assert.Equal(Layout.FeatureMajor, Sprout.Core.Ops.Relu(Sprout.Core.Ops.Add(a, b)).Layout);
        var batchMajor = GradCheck.RandomTensor(17, 2, 3, 2, 2);
        var ex = Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.Add(a, batchMajor));
        Assert.Contains("layouts", ex.Message);
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.Conv2d(batchMajor, new Tensor(2, 18), null, new Window2d(3, 3)));
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.Conv2d(a, new Tensor(2, 17), null, new Window2d(3, 3)));
    }

    [Fact]
    public void SteadyStateConvStepAllocatesNothing()
    {
        const int batch = 8, c = 4, hw = 16;
        var images = GradCheck.RandomTensor(20, batch, 3 * hw * hw);
        var w1 = Param(GradCheck.RandomTensor(21, c, 27));
        var w2 = Param(GradCheck.RandomTensor(22, c, c * 9));
        var wShort = Param(GradCheck.RandomTensor(23, c, c));
        var (gamma, beta) = (Param(GradCheck.RandomTensor(24, c)), Param(GradCheck.RandomTensor(25, c)));
        var (rm, rv) = (new Tensor(c), new Tensor(c));
        var head = Param(GradCheck.RandomTensor(26, 10, c));
        var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
        var tape = new Tape();
        Tensor[] parameters = [w1, w2, wShort, gamma, beta, head];

        void Step()
        {
            Tensor loss;
            using (tape.Record())
            {
                var x = Sprout.Core.Ops.ToFeatureMajor(images, 3, hw, hw);
                var h = Sprout.Core.Ops.Relu(Sprout.Core.Ops.BatchNorm(Sprout.Core.Ops.Conv2d(x, w1, null, new Window2d(3, 3, 1, 1, 1, 1)), gamma, beta, rm, rv, true));
                h = Sprout.Core.Ops.MaxPool2d(h, new Window2d(2, 2, 2, 2));
                var r = Sprout.Core.Ops.Add(Sprout.Core.Ops.Conv2d(h, w2, null, new Window2d(3, 3, 2, 2, 1, 1)), Sprout.Core.Ops.Conv2d(h, wShort, null, new Window2d(1, 1, 2, 2)));
                var logits = Sprout.Core.Ops.Linear(Sprout.Core.Ops.GlobalAvgPool2d(Sprout.Core.Ops.Relu(r)), head, null);
                loss = Sprout.Core.Ops.SoftmaxCrossEntropy(logits, labels, batch);
            }
            tape.Backward(loss);
            tape.Reset();
            foreach (var p in parameters) p.ZeroGrad();
        }

        Assert.Equal(0, Allocations.OnceSettled(Step));
    }

    private static Tensor Param(Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }
}
