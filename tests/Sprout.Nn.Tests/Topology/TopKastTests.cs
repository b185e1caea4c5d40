// Top-KAST: A = top-D and B = top-(D+M) of |θ|, gradients exactly the loss gradient at B's positions plus the
// exploration regularizer, and the reservoir outside B never changes.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Topology;

public class TopKastTests
{
    [Fact]
    public void SetsAreNestedTopKByMagnitude()
    {
        var layer = new TopKastLinear(30, 20, 0.1, 0.2, new Rng(1));
        Assert.Equal(60, layer.ForwardCount);
        Assert.Equal(180, layer.BackwardCount);
        var magnitudes = layer.Reservoir.ToArray().Select(MathF.Abs).OrderDescending().ToArray();
        float aThreshold = magnitudes[59], bThreshold = magnitudes[179];
        int inA = 0;
        for (int i = 0; i < layer.BackwardCount; i++)
        {
            float m = MathF.Abs(layer.Reservoir[(int)layer.BackwardPosition(i)]);
            Assert.True(m >= bThreshold);
            if (layer.InForwardSet(i)) { inA++; Assert.True(m >= aThreshold); }
        }
        Assert.Equal(60, inA);
        Assert.Equal(60, layer.ForwardSet.Nnz);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.01f)]
    public void GradientIsLossGradientAtBPlusRegularizer(float lambda)
    {
        const int batch = 5, inF = 12, outF = 7;
        var layer = new TopKastLinear(inF, outF, 0.2, 0.3, new Rng(2), regularization: lambda);
        var x = GradCheck.RandomTensor(4, batch, inF);
        var tape = new Tape();
        Tensor loss;
        using (tape.Record()) loss = GradCheck.WeightedSum(layer.Forward(x), 5);
        tape.Backward(loss);
        var delta = GradCheck.RandomTensor(5, batch, outF).ToArray();
        var xs = x.ToArray();
        var theta = layer.Reservoir.ToArray();
        for (int i = 0; i < layer.BackwardCount; i++)
        {
            long p = layer.BackwardPosition(i);
            int r = (int)(p / inF), c = (int)(p % inF);
            double g = 0;
            for (int s = 0; s < batch; s++) g += delta[s * outF + r] * xs[s * inF + c];
            double scale = layer.InForwardSet(i) ? lambda : lambda / 0.2;
            g += 2 * scale * theta[p];
            Assert.Equal(g, layer.BackwardValues.Grad[i], 4);
        }
        // Forward uses only A: compare with the dense product of θ⊙1_A.
        var y = new float[batch * outF];
        using (tape.Evaluate()) layer.Forward(x).Data.CopyTo(y);
        for (int s = 0; s < batch; s++)
            for (int r = 0; r < outF; r++)
            {
                double v = layer.Bias![r];
                for (int i = 0; i < layer.BackwardCount; i++)
                {
                    long p = layer.BackwardPosition(i);
                    if (layer.InForwardSet(i) && p / inF == r) v += theta[p] * xs[s * inF + (int)(p % inF)];
                }
                Assert.Equal(v, y[s * outF + r], 4);
            }
    }

    [Fact]
    public void ReservoirOutsideBIsNeverUpdated()
    {
        var rng = new Rng(3);
        var layer = new TopKastLinear(16, 10, 0.1, 0.15, rng, regularization: 1e-3f, refreshEvery: 3);
        var opt = new Sgd(layer.NamedParameters(), 0.5f, momentum: 0.9f);
        var initial = layer.Reservoir.ToArray();
        var everInB = new HashSet<long>();
        var x = GradCheck.RandomTensor(7, 8, 16);
        var tape = new Tape();
        int refreshes = 0;
        for (int step = 1; step <= 20; step++)
        {
            var currentB = Enumerable.Range(0, layer.BackwardCount).Select(layer.BackwardPosition).ToHashSet();
            everInB.UnionWith(currentB);
            var before = layer.Reservoir.ToArray();
            layer.ZeroGrad();
            Tensor loss;
            using (tape.Record()) loss = Ops.Sum(Ops.Mul(layer.Forward(x), layer.Forward(x)));
            tape.Backward(loss);
            opt.Step();
            tape.Reset();
            if (layer.Step(step, opt)) refreshes++;
            layer.SyncReservoir();
            var after = layer.Reservoir;
            for (int p = 0; p < after.Length; p++)
                if (!currentB.Contains(p)) Assert.Equal(before[p], after[p]);
        }
        Assert.Equal(6, refreshes);
        for (int p = 0; p < initial.Length; p++)
            if (!everInB.Contains(p)) Assert.Equal(initial[p], layer.Reservoir[p]);
        Assert.True(everInB.Count > layer.BackwardCount, "B never changed: the test would prove nothing");
    }

    [Fact]
    public void RejectsBackwardSetLargerThanLayer() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKastLinear(4, 4, 0.6, 0.6, new Rng(1)));
}
