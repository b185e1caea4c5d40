// The always-sparse promise through a whole training step and several SET topology updates: a 100,000×100,000
// SparseLinear at density 1e-4 (1e6 connections; a dense weight would be 40 GB) must stay far below 200 MB of
// total allocation.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

[Collection(ProcessMemory.Name)]
public class NothingDenseTests
{
    [Fact]
    public void HundredThousandSquared_TrainingStepsAndSetUpdates_AllocateUnder200MB()
    {
        const int n = 100_000, batch = 8;
        long before = GC.GetTotalAllocatedBytes(true);
        var layer = new SparseLinear(n, n, 1e-4, new Rng(1)) { LayerName = "big" };
        var opt = new Sgd(layer.NamedParameters(), 0.01f, momentum: 0.9f);
        var scheduler = new TopologyScheduler([layer], new Set(), new UpdateSchedule(1, 100, 0.3f, FractionDecay.Constant), seed: 2);
        var tape = new Tape();
        var x = GradCheck.RandomTensor(3, batch, n);
        var labels = Enumerable.Range(0, batch).Select(i => i * 7919).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(layer.Forward(x), labels, batch);
            tape.Backward(loss);
            opt.Step();
            Assert.True(scheduler.Step(step, opt));
            opt.ZeroGrad();
            tape.Reset();
            Assert.Equal(1_000_000, layer.Topology.Nnz);
            Assert.Equal(300_000, scheduler.LastUpdate[0].Dropped);
        }
        long allocated = GC.GetTotalAllocatedBytes(true) - before;
        layer.Topology.CheckInvariants();
        Assert.True(allocated < 200L << 20, $"allocated {allocated >> 20} MB");
    }
}
