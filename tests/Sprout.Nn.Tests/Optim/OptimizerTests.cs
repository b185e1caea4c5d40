// Optimizers against hand-computed PyTorch updates, schedules, remapping, and a whole training step that
// allocates nothing once warm.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;

namespace Sprout.Nn.Tests.Optim;

public class OptimizerTests
{
    private static (string, Tensor)[] One(float w, float g)
    {
        var p = new Tensor(1) { RequiresGrad = true };
        p[0] = w;
        p.Grad[0] = g;
        return [("p", p)];
    }

    [Fact]
    public void SgdNesterovMatchesHandComputation()
    {
        var ps = One(1f, 0.5f);
        var opt = new Sgd(ps, 0.1f, momentum: 0.9f, weightDecay: 0.01f, nesterov: true);
        opt.Step();
        // g' = 0.5 + 0.01·1 = 0.51; v = 0.51; step = 0.51 + 0.9·0.51 = 0.969; w = 1 − 0.0969
        Assert.Equal(0.9031f, ps[0].Item2[0], 5);
        opt.Step(); // same gradient: g' = 0.5 + 0.01·0.9031; v = 0.9·0.51 + g'
        float g2 = 0.5f + 0.01f * 0.9031f, v2 = 0.9f * 0.51f + g2;
        Assert.Equal(0.9031f - 0.1f * (g2 + 0.9f * v2), ps[0].Item2[0], 5);
    }

    [Fact]
    public void AdamFirstStepMovesByLearningRate()
    {
        var ps = One(1f, 0.3f);
        new Adam(ps, 0.01f).Step();
        Assert.Equal(0.99f, ps[0].Item2[0], 4); // bias-corrected m/√v = sign(g) on step 1
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void ExemptParametersAreNotDecayedAndTheOthersAre(string kind)
    {
        var (a, b) = (One(2f, 0f)[0], One(2f, 0f)[0]);
        (string, Tensor)[] ps = [("kept", a.Item2), ("exempt", b.Item2)];
        Optimizer opt = kind == "sgd" ? new Sgd(ps, 0.1f, weightDecay: 0.5f) : new AdamW(ps, 0.1f, weightDecay: 0.5f);
        opt.ExcludeFromWeightDecay(["exempt"]);
        Assert.Equal(["exempt"], opt.WeightDecayExempt);
        opt.Step();
        Assert.Equal(2f - 0.1f * 0.5f * 2f, a.Item2[0], 5);   // zero gradient: only the decay moves it
        Assert.Equal(2f, b.Item2[0]);
        Assert.Throws<ArgumentException>(() => opt.ExcludeFromWeightDecay(["nope"]));
    }

    [Fact]
    public void AdamWDecaysDecoupled()
    {
        var ps = One(2f, 0f);
        new AdamW(ps, 0.1f, weightDecay: 0.5f).Step();
        Assert.Equal(2f - 0.1f * 0.5f * 2f, ps[0].Item2[0], 5);
    }

    [Fact]
    public void InvalidHyperparametersAreRejectedByName()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(One(1, 1), -1f));
        Assert.Contains("learning rate", ex.Message);
        Assert.Throws<ArgumentException>(() => new Sgd(One(1, 1), 0.1f, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Sgd(Array.Empty<(string, Tensor)>(), 0.1f));
    }

    [Fact]
    public void SchedulesFollowTheirFormulas()
    {
        var ms = new MultiStepLr([10, 20], 0.1f);
        Assert.Equal(1f, ms.Factor(9));
        Assert.Equal(0.1f, ms.Factor(10), 6);
        Assert.Equal(0.01f, ms.Factor(25), 6);
        var cos = new CosineLr(100);
        Assert.Equal(1f, cos.Factor(0), 6);
        Assert.Equal(0.5f, cos.Factor(50), 5);
        Assert.Equal(0f, cos.Factor(100), 6);
        var warm = new WarmupLr(new ConstantLr(), 4);
        Assert.Equal([0.25f, 0.5f, 0.75f, 1f, 1f], Enumerable.Range(0, 5).Select(warm.Factor).ToArray());
    }

    [Fact]
    public void ClipNormScalesToMax()
    {
        var a = new Tensor(2) { RequiresGrad = true };
        a.Grad[0] = 3;
        a.Grad[1] = 4;
        Assert.Equal(5f, GradientClipping.ClipNorm([a], 1f), 5);
        Assert.Equal(0.6f, a.Grad[0], 4);
    }

    private sealed class Reverse : IElementRemap
    {
        public void Remap(Span<float> state) => state.Reverse();
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void RemapStateAllocatesNothingOnceWarm(string kind)
    {
        var a = new Tensor(5) { RequiresGrad = true };
        var b = new Tensor(3) { RequiresGrad = true };
        (string, Tensor)[] ps = [("a", a), ("b", b)];
        Optimizer opt = kind == "sgd" ? new Sgd(ps, 0.1f, momentum: 0.9f) : new Adam(ps, 0.1f);
        var remap = new Reverse();
        opt.RemapState(b, remap); // first call JITs
        // Tiered JIT may still swap code in and allocate on this thread (not RemapState's doing), so measure windows
        // of calls until it has settled, as the kernel allocation tests do.
        long before = 0, after = -1;
        for (int window = 0; window < 20 && after != before; window++)
        {
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) opt.RemapState(b, remap);
            after = GC.GetAllocatedBytesForCurrentThread();
        }
        Assert.Equal(before, after);
    }

    [Fact]
    public void FindStateMatchesWholeSlotNamesAndAllocatesNothing()
    {
        var a = new Tensor(5) { RequiresGrad = true };
        var b = new Tensor(3) { RequiresGrad = true };
        var opt = new Adam([("a", a), ("b", b)], 0.1f);
        Assert.Equal("b.exp_avg", opt.FindState(b, "exp_avg")!.Name);
        Assert.Equal("b.exp_avg_sq", opt.FindState(b, "exp_avg_sq")!.Name);
        Assert.Null(opt.FindState(b, "avg_sq")); // a suffix that is not a whole slot name
        Assert.Null(opt.FindState(b, "momentum"));
        Assert.Null(opt.FindState(new Tensor(3), "exp_avg"));
        Assert.Throws<ArgumentNullException>(() => opt.FindState(b, null!));
        // Measure windows of calls until tiered JIT has settled, as RemapStateAllocatesNothingOnceWarm does.
        long before = 0, after = -1;
        for (int window = 0; window < 20 && after != before; window++)
        {
            before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) opt.FindState(b, "exp_avg_sq");
            after = GC.GetAllocatedBytesForCurrentThread();
        }
        Assert.Equal(before, after);
    }

    [Fact]
    public void RemapStateAppliesToEverySlot()
    {
        var p = new Tensor(3) { RequiresGrad = true };
        var opt = new Adam([("p", p)], 0.1f);
        p.Grad[0] = 1;
        opt.Step();
        opt.RemapState(p, new Reverse());
        Assert.Equal(0f, opt.FirstMomentOf(0)[0]);
        Assert.NotEqual(0f, opt.FirstMomentOf(0)[2]);
        Assert.Equal(0f, opt.SecondMomentOf(0)[0]);
    }

    [Fact]
    public void TrainingStepReducesLossAndAllocatesNothing()
    {
        var rng = new Rng(7);
        var net = Models.Mlp(20, [32, 16], 4, rng);
        var opt = new Sgd(net.NamedParameters(), 0.1f, momentum: 0.9f, nesterov: true);
        var x = new Tensor(64, 20);
        rng.FillUniform(x.Data, -1, 1);
        var labels = new int[64];
        for (int i = 0; i < 64; i++) labels[i] = (x[i, 0] > 0 ? 1 : 0) + (x[i, 1] > 0 ? 2 : 0); // learnable rule
        var tape = new Tape();
        float Step()
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(net.Forward(x), labels, 64);
            tape.Backward(loss);
            float value = loss[0];
            opt.Step();
            opt.ZeroGrad();
            tape.Reset();
            return value;
        }
        float first = Step();
        for (int i = 0; i < 50; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        float last = 0;
        for (int i = 0; i < 50; i++) last = Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(last < first * 0.5f, $"loss went from {first} to {last}");
        Assert.True(allocated < 1024, $"50 steady-state steps allocated {allocated} bytes");
    }
}
