// The always-sparse promise for a conv layer with a large fan-in: a 2048→2048 3×3 SparseConv2d (W would be
// 2048 × 18,432 = 37.7 M entries, 151 MB dense, as would its gradient and momentum) at density 1e-3, trained a few
// steps with GSE growth (gradients at sampled inactive positions from the cached batch) must allocate far less than
// one dense weight in total.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

[Collection(ProcessMemory.Name)]
public class NothingDenseConvTests
{
    [Fact]
    public void LargeFanInConv_TrainingStepsAndGseUpdates_AllocateFarLessThanOneDenseWeight()
    {
        var shape = new ConvShape(2048, 2048, 3, 3, 1, 1);
        long denseBytes = 4L * shape.OutChannels * shape.FanIn;
        long before = GC.GetTotalAllocatedBytes(true);
        var layer = new SparseConv2d(shape, 1e-3, new Rng(1)) { LayerName = "big" };
        int nnz = layer.Topology.Nnz;
        var opt = new Sgd(layer.NamedParameters(), 0.01f, momentum: 0.9f);
        var scheduler = new TopologyScheduler([layer], new Gse(), new UpdateSchedule(1, 100, 0.3f, FractionDecay.Constant), seed: 2);
        var tape = new Tape();
        var x = GradCheck.RandomTensor(3, 2048, 2, 4, 4);
        x.Layout = Layout.FeatureMajor;
        for (int step = 1; step <= 3; step++)
        {
            using (tape.Record()) tape.Backward(Ops.Sum(Ops.Relu(layer.Forward(x))));
            opt.Step();
            Assert.True(scheduler.Step(step, opt));
            opt.ZeroGrad();
            tape.Reset();
            Assert.Equal(nnz, layer.Topology.Nnz);
            Assert.True(scheduler.LastUpdate[0].Grown > 0);
        }
        long allocated = GC.GetTotalAllocatedBytes(true) - before;
        layer.Topology.CheckInvariants();
        Assert.True(allocated < denseBytes / 4, $"allocated {allocated >> 20} MB; one dense weight is {denseBytes >> 20} MB");
    }
}
