// The fused BatchNorm → ReLU and BatchNorm → + residual → ReLU operators: finite-difference checks of every input
// (x, γ, β, residual) in training and evaluation mode; the same outputs, gradients and running statistics as the
// unfused ops chain; the residual being x itself; and gradients overwritten when fresh, added to otherwise.
using Sprout.Core;
using Sprout.TestSupport;

namespace Sprout.Core.Tests.Ops;

public class BatchNormReluOpTests
{
    private static Tensor Fm(ulong seed, params int[] shape)
    {
        var t = GradCheck.RandomTensor(seed, shape);
        t.Layout = Layout.FeatureMajor;
        return t;
    }

    private static (Tensor Gamma, Tensor Beta, Tensor Mean, Tensor Var) Parameters(int c)
    {
        var (gamma, beta) = (GradCheck.RandomTensor(8, c), GradCheck.RandomTensor(9, c));
        for (int i = 0; i < c; i++) gamma[i] += 1.5f;   // away from 0, so γ's sign does not flip the ReLU's side
        var (rm, rv) = (GradCheck.RandomTensor(10, c), new Tensor(c));
        for (int i = 0; i < c; i++) rv[i] = 0.5f + i;
        return (gamma, beta, rm, rv);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormReluGradients(bool training)
    {
        var x = Fm(7, 3, 2, 3, 2);
        var (gamma, beta, rm, rv) = Parameters(3);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.BatchNormRelu(x, gamma, beta, rm, rv, training)), [x, gamma, beta],
            eps: 1e-3f, atol: 5e-3f, rtol: 3e-2f);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormAddReluGradients(bool training)
    {
        var x = Fm(17, 3, 2, 2, 3);
        var r = Fm(18, 3, 2, 2, 3);
        var (gamma, beta, rm, rv) = Parameters(3);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.BatchNormAddRelu(x, r, gamma, beta, rm, rv, training)), [x, r, gamma, beta],
            eps: 1e-3f, atol: 5e-3f, rtol: 3e-2f);
    }

    [Fact]
    public void ResidualMayBeTheInputItself()
    {
        var x = Fm(19, 2, 3, 2, 2);
        var (gamma, beta, rm, rv) = Parameters(2);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.BatchNormAddRelu(x, x, gamma, beta, rm, rv, true)), [x, gamma, beta],
            eps: 1e-3f, atol: 5e-3f, rtol: 3e-2f);
    }

    [Fact]
    public void MatchesTheUnfusedChain()
    {
        const int c = 4;
        var (x, r) = (Fm(21, c, 5, 6, 7), Fm(22, c, 5, 6, 7));
        var fused = Run((xx, rr, g, b, m, v) => Sprout.Core.Ops.BatchNormAddRelu(xx, rr, g, b, m, v, true));
        var chain = Run((xx, rr, g, b, m, v) => Sprout.Core.Ops.Relu(Sprout.Core.Ops.Add(Sprout.Core.Ops.BatchNorm(xx, g, b, m, v, true), rr)));
        for (int k = 0; k < fused.Length; k++) Approx.Equal(chain[k], fused[k], 1e-5f, 1e-4f, $"output {k}");

        // y, dx, dr, dγ, dβ, running mean, running variance after one step of each.
        float[][] Run(Func<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> op)
        {
            var (xx, rr) = (Copy(x), Copy(r));
            var (g, b, m, v) = Parameters(c);
            (g.RequiresGrad, b.RequiresGrad) = (true, true);
            var tape = new Tape();
            Tensor y, loss;
            using (tape.Record())
            {
                y = op(xx, rr, g, b, m, v);
                loss = GradCheck.WeightedSum(y);
            }
            tape.Backward(loss);
            float[] yv = y.Data.ToArray();
            tape.Reset();
            return [yv, xx.Grad.ToArray(), rr.Grad.ToArray(), g.Grad.ToArray(), b.Grad.ToArray(), m.Data.ToArray(), v.Data.ToArray()];
        }
    }

    [Fact]
    public void AddsToGradientsAlreadyHolding()
    {
        // x and r are leaves with gradients from elsewhere: the op must add to them, not overwrite.
        const int c = 2;
        var (x, r) = (Fm(23, c, 3, 4, 4), Fm(24, c, 3, 4, 4));
        var (g, b, m, v) = Parameters(c);
        (x.RequiresGrad, r.RequiresGrad) = (true, true);
        var tape = new Tape();
        float[] Grads()
        {
            Tensor loss;
            using (tape.Record()) loss = GradCheck.WeightedSum(Sprout.Core.Ops.BatchNormAddRelu(x, r, g, b, m, v, false));
            tape.Backward(loss);
            tape.Reset();
            return [.. x.Grad.ToArray(), .. r.Grad.ToArray()];
        }
        var once = Grads();
        var twice = Grads();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 5);
        Assert.Contains(once, d => d != 0f);
    }

    [Fact]
    public void RejectsAResidualOfAnotherShape()
    {
        var (gamma, beta, rm, rv) = Parameters(2);
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.BatchNormAddRelu(Fm(1, 2, 3, 2, 2), Fm(2, 2, 3, 2, 1), gamma, beta, rm, rv, true));
    }

    private static Tensor Copy(Tensor t)
    {
        var c = new Tensor(t.Shape) { Layout = t.Layout, RequiresGrad = true };
        t.Data.CopyTo(c.Data);
        return c;
    }
}
