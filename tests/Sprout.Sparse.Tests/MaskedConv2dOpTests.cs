// Tests of the masked dense conv op: finite differences for x, the weight (unmasked gradient) and the bias; the
// masked gradient is the dense gradient ⊙ mask and the dense gradient buffer holds the full dL/dW; a separate
// gradient target (Top-KAST's θ) receives what the weight would have; invalid arguments are rejected.
using Sprout.Core;
using Sprout.TestSupport;

namespace Sprout.Sparse.Tests;

public class MaskedConv2dOpTests
{
    private static (Tensor W, Tensor Mask, Tensor Bias, Tensor X) Make(ConvShape shape, int batch, int h, int w, ulong seed)
    {
        var weight = GradCheck.RandomTensor(seed, shape.OutChannels, shape.FanIn);
        var mask = new Tensor(shape.OutChannels, shape.FanIn);
        var rng = new Rng(seed + 1);
        for (int i = 0; i < mask.Size; i++) mask.Data[i] = rng.NextInt(2);
        var x = GradCheck.RandomTensor(seed + 2, shape.InChannels, batch, h, w);
        x.Layout = Layout.FeatureMajor;
        return (weight, mask, GradCheck.RandomTensor(seed + 3, shape.OutChannels), x);
    }

    [Theory]
    [InlineData(2, 3, 2, 5, 4, 3, 1, 1)]
    [InlineData(3, 2, 1, 6, 7, 3, 2, 1)]   // stride 2, batch 1
    [InlineData(2, 2, 2, 4, 5, 1, 1, 0)]   // 1×1 (the pointwise path)
    [InlineData(1, 2, 1, 6, 6, 5, 2, 2)]   // 5×5, stride 2, padding 2
    public void FiniteDifferences(int cin, int cout, int batch, int h, int w, int k, int stride, int pad)
    {
        var shape = new ConvShape(cin, cout, k, k, stride, pad);
        var (weight, mask, bias, x) = Make(shape, batch, h, w, 5);
        var dense = new Tensor(cout, shape.FanIn);
        GradCheck.Check(() => GradCheck.WeightedSum(MaskedConv2dOp.Forward(x, weight, mask, bias, shape, dense, maskGradient: false)), [x, weight, bias]);
    }

    [Theory]
    [InlineData(3, 1, 1)]
    [InlineData(3, 2, 1)]
    [InlineData(1, 1, 0)]
    public void MaskedGradientIsTheDenseGradientTimesTheMask_AndCanGoToAnotherTensor(int k, int stride, int pad)
    {
        var shape = new ConvShape(3, 4, k, k, stride, pad);
        var (weight, mask, bias, x) = Make(shape, 2, 6, 6, 9);
        var dense = new Tensor(4, shape.FanIn);
        var target = new Tensor(4, shape.FanIn) { RequiresGrad = true };
        weight.RequiresGrad = true;
        var results = new List<(float[] Y, float[] Grad)>();
        foreach (var toTarget in new[] { false, true })
        {
            weight.ZeroGrad();
            target.ZeroGrad();
            var tape = new Tape();
            Tensor y;
            using (tape.Record())
            {
                y = MaskedConv2dOp.Forward(x, weight, mask, bias, shape, dense, maskGradient: true, gradientTarget: toTarget ? target : null);
                tape.Backward(GradCheck.WeightedSum(y, 4));
            }
            var full = dense.ToArray();
            var expected = full.Select((g, i) => g * mask.Data[i]).ToArray();
            Assert.Contains(full, g => g != 0f);
            Assert.Equal(expected, (toTarget ? target : weight).Grad.ToArray());
            if (toTarget) Assert.All(weight.Grad.ToArray(), g => Assert.Equal(0f, g));
            results.Add((y.ToArray(), full));
            tape.Reset();
        }
        Assert.Equal(results[0].Y, results[1].Y);
        Assert.Equal(results[0].Grad, results[1].Grad);
    }

    [Fact]
    public void RejectsInputsThatDoNotFit()
    {
        var shape = new ConvShape(3, 4, 3, 3, 1, 1);
        var (weight, mask, bias, x) = Make(shape, 2, 5, 5, 1);
        var dense = new Tensor(4, shape.FanIn);
        var batchMajor = GradCheck.RandomTensor(2, 3, 2, 5, 5);
        Assert.Contains("feature-major", Assert.Throws<ArgumentException>(() => MaskedConv2dOp.Forward(batchMajor, weight, mask, bias, shape, dense, true)).Message);
        Assert.Throws<ArgumentException>(() => MaskedConv2dOp.Forward(x, weight, new Tensor(4, 5), bias, shape, dense, true));
        Assert.Throws<ArgumentException>(() => MaskedConv2dOp.Forward(x, weight, mask, new Tensor(3), shape, dense, true));
    }
}
