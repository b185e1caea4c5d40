// Top-KAST on conv layers (TopKastConv2d, masked form) and Spartan on conv weights: set semantics (A = top-D ⊂
// B = top-(D+M) by |θ|), the gradient reaching θ only on B with the exploration regularizer, the forward on θ ⊙ 1_A,
// the reservoir outside B never updated, refreshes on schedule, and a Top-KAST / Spartan ResNet-8 that trains.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Topology;

public class TopKastConvTests
{
    private static readonly ConvShape Shape = new(3, 6, 3, 3, 2, 1);

    [Theory]
    [InlineData(0f)]
    [InlineData(0.01f)]
    public void GradientIsTheDenseConvGradientOnBPlusRegularizer_ForwardUsesA(float lambda)
    {
        var layer = new TopKastConv2d(Shape, 0.2, 0.3, new Rng(2), regularization: lambda, bias: true);
        int n = layer.Weight.Size;
        Assert.Equal((int)Math.Round(0.2 * n), Enumerable.Range(0, n).Count(layer.InForwardSet));
        Assert.Equal((int)Math.Round(0.5 * n), Enumerable.Range(0, n).Count(layer.InBackwardSet));
        var mags = layer.Weight.ToArray().Select(MathF.Abs).ToArray();
        float minA = Enumerable.Range(0, n).Where(layer.InForwardSet).Min(p => mags[p]);
        float maxNotA = Enumerable.Range(0, n).Where(p => !layer.InForwardSet(p)).Max(p => mags[p]);
        Assert.True(minA >= maxNotA, "A is the top-|A| by magnitude");
        Assert.All(Enumerable.Range(0, n).Where(layer.InForwardSet), p => Assert.True(layer.InBackwardSet(p)));

        // Reference: a dense Conv2d holding θ ⊙ 1_A.
        var dense = new Conv2d(Shape, new Rng(9), bias: true);
        var theta = layer.Weight.ToArray();
        for (int p = 0; p < n; p++) dense.Weight.Data[p] = layer.InForwardSet(p) ? theta[p] : 0f;
        var x = GradCheck.RandomTensor(4, 3, 2, 7, 7);
        x.Layout = Layout.FeatureMajor;
        var tape = new Tape();
        Tensor yk, yd;
        using (tape.Record())
        {
            yk = layer.Forward(x);
            yd = dense.Forward(x);
            tape.Backward(Ops.Add(GradCheck.WeightedSum(yk, 5), GradCheck.WeightedSum(yd, 5)));
        }
        Approx.Equal(yd.ToArray(), yk.ToArray(), 1e-5f, 1e-4f, "forward on θ ⊙ 1_A");
        var g = layer.Weight.Grad;
        var gd = dense.Weight.Grad;
        for (int p = 0; p < n; p++)
        {
            double expected = layer.InBackwardSet(p) ? gd[p] + 2 * (layer.InForwardSet(p) ? lambda : lambda / 0.2) * theta[p] : 0;
            Assert.Equal(expected, g[p], 4);
        }
        tape.Reset();
    }

    [Fact]
    public void ReservoirOutsideBIsNeverUpdated_AndSetsRefreshOnSchedule()
    {
        var layer = new TopKastConv2d(Shape, 0.1, 0.15, new Rng(3), regularization: 1e-3f, refreshEvery: 3);
        var opt = new Sgd(layer.NamedParameters(), 0.05f, momentum: 0.9f);
        var x = GradCheck.RandomTensor(7, 3, 4, 6, 6);
        x.Layout = Layout.FeatureMajor;
        var tape = new Tape();
        var everInB = new HashSet<int>();
        var initial = layer.Weight.ToArray();
        int n = initial.Length, refreshes = 0;
        for (int step = 1; step <= 15; step++)
        {
            var b = Enumerable.Range(0, n).Where(layer.InBackwardSet).ToHashSet();
            everInB.UnionWith(b);
            var before = layer.Weight.ToArray();
            layer.ZeroGrad();
            using (tape.Record()) tape.Backward(GradCheck.WeightedSum(layer.Forward(x), (ulong)step));
            opt.Step();
            tape.Reset();
            var after = layer.Weight.ToArray();
            for (int p = 0; p < n; p++)
                if (!b.Contains(p)) Assert.Equal(before[p], after[p]);
            var sets = Enumerable.Range(0, n).Select(p => (layer.InForwardSet(p), layer.InBackwardSet(p))).ToArray();
            bool refreshed = layer.Step(step, opt);
            Assert.Equal(step % 3 == 0, refreshed);
            if (!refreshed) Assert.Equal(sets, Enumerable.Range(0, n).Select(p => (layer.InForwardSet(p), layer.InBackwardSet(p))).ToArray());
            else
            {
                refreshes++;
                var momentum = opt.FindState(layer.Weight, "momentum")!.ToArray();
                for (int p = 0; p < n; p++)
                    if (!layer.InBackwardSet(p)) Assert.Equal(0f, momentum[p]); // leavers drop their state
            }
        }
        Assert.Equal(5, refreshes);
        for (int p = 0; p < n; p++)
            if (!everInB.Contains(p)) Assert.Equal(initial[p], layer.Weight.Data[p]);
        Assert.True(everInB.Count > layer.BackwardCount, "B never changed: the test would prove nothing");
    }

    [Fact]
    public void TopKastResNet_BuildsConvLayersAndTrains()
    {
        var shapes = RecordingLayerFactory.Record(f => ConvModels.Build("resnet8", f, 3, 8, 8, 10));
        var plan = new DensityPlan(shapes, shapes.Select(_ => 0.2).ToArray());
        var net = ConvModels.Build("resnet8", new TopKastLayerFactory(plan, new Rng(1), new TopKastOptions(BackwardExtra: 0.1, RefreshEvery: 2)), 3, 8, 8, 10);
        var layers = net.LayersOf<ITopKastLayer>().Select(l => l.Layer).ToArray();
        Assert.Equal(shapes.Count, layers.Length);
        Assert.Equal(shapes.Count - 1, layers.OfType<TopKastConv2d>().Count());
        var d = ((IDescribedLayer)layers[1]).Describe();
        Assert.Equal("topkast", d.Kind);
        Assert.True(d.Geometry.IsConv);
        var losses = Train(net, 6, (step, opt) => { foreach (var l in layers) l.Step(step, opt); });
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        Assert.True(losses[^1] < losses[0], $"loss {losses[0]} → {losses[^1]}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    public void Spartan_SparsifiesConvWeights_UnstructuredAndBlock(int blockRows, int blockCols)
    {
        var net = ConvModels.Build("resnet8", new DenseLayerFactory(new Rng(1)), 3, 8, 8, 10);
        var weights = net.LayersOf<Conv2d>().Select(l => l.Layer.Weight).Append(net.LayersOf<Linear>().Single().Layer.Weight).ToArray();
        var sp = new Spartan(weights, totalSteps: 10, density: 0.2, blockRows: blockRows, blockCols: blockCols);
        var losses = Train(net, 10, (_, _) => { }, step => sp.BeforeForward(step - 1), () => sp.AfterBackward());
        Assert.All(losses, l => Assert.True(float.IsFinite(l)));
        sp.BeforeForward(9); // frozen: the hard mask of the final weights
        long total = weights.Sum(w => (long)w.Size), kept = weights.Sum(w => (long)w.ToArray().Count(v => v != 0f));
        Assert.InRange(kept, (long)(0.15 * total), (long)(0.25 * total));
        sp.AfterBackward();
    }

    [Fact]
    public void SpartanErk_UsesTheConvKernelFormula()
    {
        // Two layers of equal size: a 3×3 conv 4→8 [8 × 36] and a linear [8 × 36]. Conv ERK: (4 + 8 + 3 + 3)/288;
        // linear ERK: (8 + 36)/288. The kept fractions must follow those ratios (18 : 44).
        var conv = new Tensor(8, 36);
        var lin = new Tensor(8, 36);
        new Rng(1).FillNormal(conv.Data, 0, 1);
        new Rng(2).FillNormal(lin.Data, 0, 1);
        var sp = new Spartan([conv, lin], totalSteps: 10, density: 0.2, allocation: SpartanAllocation.Erk, kernels: [(3, 3), (1, 1)]);
        sp.BeforeForward(5);
        double keptConv = conv.ToArray().Count(v => v != 0f), keptLin = lin.ToArray().Count(v => v != 0f);
        sp.AfterBackward();
        Assert.Equal(18.0 / 44.0, keptConv / keptLin, 1);
        Assert.Throws<ArgumentException>(() => new Spartan([conv], 10, kernels: [(5, 5)]));
    }

    private static float[] Train(Module net, int steps, Action<int, Sgd> afterStep, Action<int>? beforeForward = null, Action? afterBackward = null)
    {
        var opt = new Sgd(net.NamedParameters(), 0.05f, momentum: 0.9f);
        var tape = new Tape();
        var x = GradCheck.RandomTensor(3, 4, 3 * 8 * 8);
        int[] labels = [1, 2, 3, 4];
        var losses = new float[steps];
        for (int step = 1; step <= steps; step++)
        {
            net.ZeroGrad();
            beforeForward?.Invoke(step);
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(net.Forward(x), labels, 4);
            tape.Backward(loss);
            afterBackward?.Invoke();
            opt.Step();
            losses[step - 1] = loss[0];
            tape.Reset();
            afterStep(step, opt);
        }
        return losses;
    }
}
