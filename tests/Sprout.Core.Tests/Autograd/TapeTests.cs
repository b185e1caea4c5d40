// The tape's contract: pooled buffers are reused across steps, kept buffers outlive a reset until released,
// evaluation records nothing, and a steady-state step allocates nothing.
using Sprout.Core;

namespace Sprout.Core.Tests.Autograd;

public class TapeTests
{
    [Fact]
    public void EvaluateRecordsNoNodes()
    {
        var w = new Tensor(3, 4) { RequiresGrad = true };
        var tape = new Tape();
        using (tape.Evaluate())
        {
            var y = Sprout.Core.Ops.Linear(new Tensor(2, 4), w, null);
            Assert.False(y.RequiresGrad);
        }
        Assert.Equal(0, tape.Count);
    }

    [Fact]
    public void BuffersAreReusedAcrossSteps()
    {
        var w = new Tensor(3, 4) { RequiresGrad = true };
        var x = new Tensor(2, 4);
        var tape = new Tape();
        Tensor first;
        using (tape.Record()) first = Sprout.Core.Ops.Relu(Sprout.Core.Ops.Linear(x, w, null));
        tape.Reset();
        Tensor second;
        using (tape.Record()) second = Sprout.Core.Ops.Relu(Sprout.Core.Ops.Linear(x, w, null));
        Assert.Same(first, second);
    }

    [Fact]
    public void ChangedShapesTakeTheBestFittingFreeBuffer()
    {
        var tape = new Tape();
        Tensor large, small;
        using (tape.Record()) (large, small) = (Tape.NewOutput([8]), Tape.NewOutput([4]));
        tape.Reset();
        using (tape.Record())
        {
            Assert.Same(small, Tape.NewOutput([4]));   // the exact fit, past the free larger buffer in front of it
            Assert.Same(large, Tape.NewOutput([3]));   // the free buffer in front is still found
            Assert.NotSame(large, Tape.NewOutput([2]));
        }
        tape.Reset();
        using (tape.Record()) Assert.Same(large, Tape.NewOutput([8]));
    }

    [Fact]
    public void KeptBuffersSurviveResetsUntilEveryKeepIsReleased()
    {
        var tape = new Tape();
        Tensor kept, other;
        using (tape.Record()) (kept, other) = (Tape.NewOutput([4]), Tape.NewOutput([4]));
        kept.Data.Fill(7f);
        Assert.True(tape.Keep(kept));
        Assert.True(tape.Keep(kept)); // two readers
        long pooled = tape.PooledFloats;
        for (int release = 0; release < 2; release++)
        {
            tape.Reset();
            using (tape.Record())
            {
                Assert.Same(other, Tape.NewOutput([4]));
                Assert.NotSame(kept, Tape.NewOutput([4])); // still kept: a new buffer
            }
            Assert.All(kept.Data.ToArray(), v => Assert.Equal(7f, v));
            tape.Release(kept);
        }
        long grown = tape.PooledFloats;
        Assert.Equal(pooled + 4, grown);
        tape.Reset();
        using (tape.Record())
        {
            var rented = new[] { Tape.NewOutput([4]), Tape.NewOutput([4]), Tape.NewOutput([4]) };
            Assert.Contains(kept, rented); // free again
        }
        Assert.Equal(grown, tape.PooledFloats);
    }

    [Fact]
    public void ReturnedScratchServesTheNextRentOfTheStep()
    {
        var tape = new Tape();
        using (tape.Record()) Tape.NewOutput([4]);
        var scratch = tape.Rent([6]); // as in a node's backward, outside Record()
        tape.Return(scratch);
        Assert.Same(scratch, tape.Rent([5]));
        Assert.Throws<InvalidOperationException>(() => tape.Return(new Tensor(3)));
        long pooled = tape.PooledFloats;
        tape.Reset();
        using (tape.Record()) Tape.NewOutput([4]);
        tape.Return(tape.Rent([6]));
        Assert.Equal(pooled, tape.PooledFloats);
    }

    [Fact]
    public void ReleaseWithinTheStepLeavesTheBufferRented_AndForeignTensorsAreNotKept()
    {
        var tape = new Tape();
        using (tape.Record())
        {
            var t = Tape.NewOutput([3]);
            Assert.True(tape.Keep(t));
            tape.Release(t);
            Assert.NotSame(t, Tape.NewOutput([3])); // still this step's
            Assert.Throws<InvalidOperationException>(() => tape.Release(t));
        }
        var foreign = new Tensor(3);
        Assert.False(tape.Keep(foreign));
        Assert.Throws<InvalidOperationException>(() => tape.Release(foreign));
    }

    [Fact]
    public void NoTapeMeansFreshOutputsAndNoRecording()
    {
        var w = new Tensor(3, 4) { RequiresGrad = true };
        var y = Sprout.Core.Ops.Linear(new Tensor(2, 4), w, null);
        Assert.False(y.RequiresGrad);
    }

    [Fact]
    public void BackwardRejectsNonScalar()
    {
        var tape = new Tape();
        Assert.Throws<ArgumentException>(() => tape.Backward(new Tensor(2)));
    }

    [Fact]
    public void SteadyStateStepAllocatesNothing()
    {
        var rng = new Rng(1);
        var w1 = new Tensor(16, 8) { RequiresGrad = true };
        var w2 = new Tensor(4, 16) { RequiresGrad = true };
        rng.FillUniform(w1.Data, -1, 1);
        rng.FillUniform(w2.Data, -1, 1);
        var x = new Tensor(5, 8);
        rng.FillUniform(x.Data, -1, 1);
        int[] labels = [0, 1, 2, 3, 0];
        var tape = new Tape();
        void Step()
        {
            Tensor loss;
            using (tape.Record()) loss = Sprout.Core.Ops.SoftmaxCrossEntropy(Sprout.Core.Ops.Linear(Sprout.Core.Ops.Relu(Sprout.Core.Ops.Linear(x, w1, null)), w2, null), labels, 5);
            tape.Backward(loss);
            tape.Reset();
            w1.ZeroGrad();
            w2.ZeroGrad();
        }
        for (int i = 0; i < 200; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
