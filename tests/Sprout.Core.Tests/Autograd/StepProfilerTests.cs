// StepProfiler: off by default (nothing recorded, nothing allocated by its hooks); when on, a step gives one forward row
// per recorded op, one backward row per node, and explicit regions whose time is taken out of the enclosing row.
using Sprout.Core;

namespace Sprout.Core.Tests.Autograd;

public class StepProfilerTests
{
    private static void Step(Tape tape, Tensor x, Tensor w)
    {
        Tensor loss;
        using (tape.Record()) loss = Sprout.Core.Ops.Sum(Sprout.Core.Ops.Relu(Sprout.Core.Ops.Linear(x, w, null)));
        tape.Backward(loss);
        tape.Reset();
    }

    [Fact]
    public void RowsNameEveryOpOnceEachWay_AndRegionsNest()
    {
        var (x, w, tape) = (new Tensor(2, 4), new Tensor(3, 4) { RequiresGrad = true }, new Tape());
        new Rng(1).FillNormal(x.Data, 0, 1);
        StepProfiler.Clear();
        StepProfiler.Enabled = true;
        try
        {
            for (int i = 0; i < 2; i++)
            {
                StepProfiler.StartStep();
                Step(tape, x, w);
                long outer = StepProfiler.Begin();
                long inner = StepProfiler.Begin();
                StepProfiler.End("inner", inner);
                StepProfiler.End("outer", outer);
            }
        }
        finally { StepProfiler.Enabled = false; }
        var rows = StepProfiler.Snapshot().ToDictionary(r => r.Label);
        foreach (string op in new[] { "Linear", "Activation", "Reduce" })
        {
            Assert.Equal(2, rows[op + " fwd"].Calls);
            Assert.Equal(2, rows[op + " bwd"].Calls);
        }
        Assert.Equal(2, rows["inner"].Calls);
        Assert.Equal(2, rows["outer"].Calls);
        Assert.All(rows.Values, r => Assert.True(r.Milliseconds >= 0, r.Label));
        StepProfiler.Clear();
        Assert.Empty(StepProfiler.Snapshot());
    }

    [Fact]
    public void WhenOff_StepsRecordNothing()
    {
        var (x, w, tape) = (new Tensor(2, 4), new Tensor(3, 4) { RequiresGrad = true }, new Tape());
        StepProfiler.Clear();
        Step(tape, x, w);
        Assert.Equal(0, StepProfiler.Begin());
        Assert.Empty(StepProfiler.Snapshot());
    }
}
