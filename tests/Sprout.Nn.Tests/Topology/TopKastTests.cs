// Top-KAST: A = top-D and B = top-(D+M) of |θ| (A ⊆ B, sizes exact), gradients exactly the loss gradient at B's
// positions plus the exploration regularizer, the forward uses only A, the reservoir outside B never changes, and the
// compact reservoir trains bit-identically to the dense one without ever allocating anything out × in.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Topology;

public class TopKastTests
{
    private static float[] Theta(TopKastLinear layer) =>
        Enumerable.Range(0, layer.InFeatures * layer.OutFeatures).Select(p => layer.ValueAt(p)).ToArray();

    [Theory]
    [InlineData(TopKastReservoirKind.Dense)]
    [InlineData(TopKastReservoirKind.Compact)]
    public void SetsAreNestedTopKByMagnitude(TopKastReservoirKind kind)
    {
        var layer = new TopKastLinear(30, 20, 0.1, 0.2, new Rng(1), reservoir: kind);
        Assert.Equal(60, layer.ForwardCount);
        Assert.Equal(180, layer.BackwardCount);
        var theta = Theta(layer);
        var magnitudes = theta.Select(MathF.Abs).OrderDescending().ToArray();
        float aThreshold = magnitudes[59], bThreshold = magnitudes[179];
        Assert.True(magnitudes[180] < bThreshold && magnitudes[60] < aThreshold, "ties at the thresholds would make this test weaker");
        int inA = 0;
        for (int i = 0; i < layer.BackwardCount; i++)
        {
            float m = MathF.Abs(theta[layer.BackwardPosition(i)]);
            Assert.True(m >= bThreshold);
            if (i > 0) Assert.True(layer.BackwardPosition(i) > layer.BackwardPosition(i - 1));
            if (layer.InForwardSet(i)) { inA++; Assert.True(m >= aThreshold); }
        }
        Assert.Equal(60, inA);
        // A ⊆ B: every forward CSR entry is a B position flagged as in A.
        var a = layer.ForwardSet;
        a.CheckInvariants();
        var bIndex = Enumerable.Range(0, layer.BackwardCount).ToDictionary(layer.BackwardPosition);
        for (int r = 0; r < a.Rows; r++)
            for (int p = a.RowPointers[r]; p < a.RowPointers[r + 1]; p++)
                Assert.True(layer.InForwardSet(bIndex[(long)r * a.Cols + a.ColumnIndices[p]]));
        Assert.Equal(60, a.Nnz);
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
        var theta = Theta(layer);
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

    [Theory]
    [InlineData(TopKastReservoirKind.Dense)]
    [InlineData(TopKastReservoirKind.Compact)]
    public void ReservoirOutsideBIsNeverUpdated(TopKastReservoirKind kind)
    {
        var rng = new Rng(3);
        var layer = new TopKastLinear(16, 10, 0.1, 0.15, rng, regularization: 1e-3f, refreshEvery: 3, reservoir: kind);
        var opt = new Sgd(layer.NamedParameters(), 0.02f, momentum: 0.9f);
        var initial = Theta(layer);
        var everInB = new HashSet<long>();
        var x = GradCheck.RandomTensor(7, 8, 16);
        var tape = new Tape();
        int refreshes = 0;
        for (int step = 1; step <= 20; step++)
        {
            var currentB = Enumerable.Range(0, layer.BackwardCount).Select(layer.BackwardPosition).ToHashSet();
            everInB.UnionWith(currentB);
            var before = Theta(layer);
            if (TrainStep(layer, x, tape, opt, step)) refreshes++;
            var after = Theta(layer);
            for (int p = 0; p < after.Length; p++)
                if (!currentB.Contains(p)) Assert.Equal(before[p], after[p]);
        }
        Assert.Equal(6, refreshes);
        for (int p = 0; p < initial.Length; p++)
            if (!everInB.Contains(p)) Assert.Equal(initial[p], layer.ValueAt(p));
        Assert.True(everInB.Count > layer.BackwardCount, $"B never changed ({everInB.Count} of {layer.BackwardCount}): the test would prove nothing");
    }

    [Fact]
    public void CompactReservoirTrainsExactlyLikeTheDenseOne()
    {
        var dense = Train(TopKastReservoirKind.Dense, seed: 4);
        var compact = Train(TopKastReservoirKind.Compact, seed: 4);
        var again = Train(TopKastReservoirKind.Compact, seed: 4);
        foreach (var other in new[] { compact, again })
        {
            Assert.Equal(dense.BackwardValues.ToArray(), other.BackwardValues.ToArray());
            Assert.Equal(Enumerable.Range(0, dense.BackwardCount).Select(dense.BackwardPosition), Enumerable.Range(0, other.BackwardCount).Select(other.BackwardPosition));
            Assert.Equal(Enumerable.Range(0, dense.BackwardCount).Select(dense.InForwardSet), Enumerable.Range(0, other.BackwardCount).Select(other.InForwardSet));
            Assert.Equal(Theta(dense), Theta(other));
        }
        Assert.NotEqual(Theta(dense), Theta(Train(TopKastReservoirKind.Dense, seed: 5)));
        var untrained = new TopKastLinear(16, 10, 0.1, 0.15, new Rng(4));
        Assert.NotEqual(Enumerable.Range(0, untrained.BackwardCount).Select(untrained.BackwardPosition), Enumerable.Range(0, dense.BackwardCount).Select(dense.BackwardPosition));
    }

    [Fact]
    public void CompactReservoirNeverAllocatesOutTimesIn()
    {
        const int size = 4000;
        long n = (long)size * size;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var layer = new TopKastLinear(size, size, 0.001, 0.001, new Rng(6), refreshEvery: 1, reservoir: TopKastReservoirKind.Compact);
        var opt = new Sgd(layer.NamedParameters(), 0.1f, momentum: 0.9f);
        var rng = new Rng(7);
        for (int step = 1; step <= 3; step++)
        {
            rng.FillNormal(layer.BackwardValues.Grad, 0f, 1f);
            opt.Step();
            Assert.True(layer.Step(step, opt));
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // One dense float array would be 4n bytes (the dense reservoir keeps three); everything here is O(|B|).
        Assert.True(allocated < n, $"allocated {allocated} bytes for a {size}×{size} layer with |B| = {layer.BackwardCount}");
    }

    [Fact]
    public void DenseRefreshAllocatesNothingOnceWarm()
    {
        var layer = new TopKastLinear(64, 32, 0.1, 0.1, new Rng(8), refreshEvery: 1);
        var opt = new Sgd(layer.NamedParameters(), 0.1f, momentum: 0.9f);
        var rng = new Rng(9);
        long allocated = 0;
        for (int step = 1; step <= 4; step++)
        {
            rng.FillNormal(layer.BackwardValues.Grad, 0f, 1f);
            opt.Step();
            long before = GC.GetAllocatedBytesForCurrentThread();
            layer.Step(step, opt);
            if (step > 2) allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        // Only the optimizer's slot enumeration in RemapState may allocate (a few dozen bytes); nothing per entry.
        Assert.True(allocated < 512, $"two refreshes allocated {allocated} bytes");
    }

    /// <summary>One step on the loss Σ y², then the layer's own schedule; true when it refreshed its sets.</summary>
    private static bool TrainStep(TopKastLinear layer, Tensor x, Tape tape, Optimizer opt, int step)
    {
        layer.ZeroGrad();
        Tensor loss;
        using (tape.Record()) loss = Ops.Sum(Ops.Mul(layer.Forward(x), layer.Forward(x)));
        tape.Backward(loss);
        opt.Step();
        tape.Reset();
        return layer.Step(step, opt);
    }

    private static TopKastLinear Train(TopKastReservoirKind kind, ulong seed)
    {
        var layer = new TopKastLinear(16, 10, 0.1, 0.15, new Rng(seed), regularization: 1e-3f, refreshEvery: 2, reservoir: kind);
        var opt = new Sgd(layer.NamedParameters(), 0.02f, momentum: 0.9f);
        var x = GradCheck.RandomTensor(8, 8, 16);
        var tape = new Tape();
        for (int step = 1; step <= 30; step++)
        {
            TrainStep(layer, x, tape, opt, step);
        }
        return layer;
    }

    [Fact]
    public void RejectsBackwardSetLargerThanLayer() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKastLinear(4, 4, 0.6, 0.6, new Rng(1)));

    [Theory]
    [InlineData(0.0, 0.1, 1e-4f, 10, "forwardDensity")]
    [InlineData(1.5, 0.0, 1e-4f, 10, "forwardDensity")]
    [InlineData(0.5, -0.1, 1e-4f, 10, "backwardExtra")]
    [InlineData(0.5, 0.6, 1e-4f, 10, "backwardExtra")]
    [InlineData(0.5, 0.1, -1f, 10, "regularization")]
    [InlineData(0.5, 0.1, 1e-4f, 0, "refreshEvery")]
    public void LinearAndMaskedConvRejectTheSameSettings(double d, double m, float lambda, int every, string parameter)
    {
        var linear = Assert.Throws<ArgumentOutOfRangeException>(() => new TopKastLinear(18, 4, d, m, new Rng(1), lambda, every));
        var conv = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new MaskedTopKastConv2d(new Sprout.Sparse.ConvShape(2, 4, 3, 3, 1, 1), d, m, new Rng(1), lambda, every));
        Assert.Equal(parameter, linear.ParamName);
        Assert.Equal(parameter, conv.ParamName);
    }

    [Theory]
    [InlineData(0.01, 0.0)]   // |A| rounds to 0 and is kept at 1
    [InlineData(0.1, 0.05)]
    [InlineData(0.3, 0.7)]    // B is the whole layer
    public void LinearAndMaskedConvSizeTheirSetsAlike(double d, double m)
    {
        // 4 outputs × 18 inputs and a 2 → 4 channel 3×3 conv both hold 72 weights.
        var linear = new TopKastLinear(18, 4, d, m, new Rng(1));
        var conv = new MaskedTopKastConv2d(new Sprout.Sparse.ConvShape(2, 4, 3, 3, 1, 1), d, m, new Rng(1));
        Assert.Equal((linear.ForwardCount, linear.BackwardCount), (conv.ForwardCount, conv.BackwardCount));
        Assert.InRange(linear.ForwardCount, 1, linear.BackwardCount);
        Assert.InRange(linear.BackwardCount, 1, 72);
    }
}
