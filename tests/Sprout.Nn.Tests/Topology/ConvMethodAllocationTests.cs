// The conv counterpart of MethodAllocationTests: repeated topology updates on a sparse ResNet-8 (SparseConv2d layers:
// gradients at candidate positions from the cached batch, GSE statistics over im2col rows, RigL's streamed dense
// gradient rows, rewiring) and Top-KAST conv refreshes allocate nothing once warm, as they do on the MLP.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Topology;

public class ConvMethodAllocationTests
{
    [Theory]
    [InlineData("gse", SparseLayerKind.Csr)]
    [InlineData("gse-grabo", SparseLayerKind.Csr)]
    [InlineData("gse-graest", SparseLayerKind.Csr)]
    [InlineData("gse-global", SparseLayerKind.Csr)]
    [InlineData("dst-ee", SparseLayerKind.Csr)]
    [InlineData("rigl", SparseLayerKind.Csr)]
    [InlineData("set", SparseLayerKind.Csr)]
    [InlineData("rigl", SparseLayerKind.Masked)]
    public void RepeatedUpdatesOnConvLayersAllocateNothing(string method, SparseLayerKind kind)
    {
        var h = new ConvHarness(kind);
        ITopologyUpdater updater = method switch
        {
            "gse" => new Gse(),
            "gse-grabo" => new Gse(CandidateDistribution.GraBo),
            "gse-graest" => new Gse(CandidateDistribution.GraEst),
            "gse-global" => new Gse(scope: TopologyScope.Global),
            "rigl" => new RigL(),
            "set" => new Set(),
            _ => new DstEe(),
        };
        var scheduler = new TopologyScheduler(h.Layers, updater, new UpdateSchedule(1, 1000, 0.3f, FractionDecay.Constant), seed: 1);
        int step = 0;
        for (; step < 10; step++) { h.TrainStep(); scheduler.Step(step + 1, h.Optimizer); }
        long allocated = -1;
        for (int window = 0; window < 20 && allocated != 0; window++)
        {
            allocated = 0;
            for (int i = 0; i < 3; i++)
            {
                h.TrainStep();
                long before = GC.GetAllocatedBytesForCurrentThread();
                Assert.True(scheduler.Step(++step, h.Optimizer));
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TopKastConvRefreshAllocatesNothingOnceWarm()
    {
        var layer = new TopKastConv2d(new ConvShape(8, 16, 3, 3, 1, 1), 0.1, 0.1, new Rng(1), refreshEvery: 1);
        var opt = new Sgd(layer.NamedParameters(), 0.05f, momentum: 0.9f);
        var x = GradCheck.RandomTensor(2, 8, 2, 6, 6);
        x.Layout = Layout.FeatureMajor;
        var tape = new Tape();
        int step = 0;
        void Train()
        {
            layer.ZeroGrad();
            using (tape.Record()) tape.Backward(Ops.Sum(layer.Forward(x)));
            opt.Step();
            tape.Reset();
        }
        for (; step < 5; step++) { Train(); layer.Step(step + 1, opt); }
        Assert.Equal(0, Allocations.OnceSettled(() => { Train(); layer.Step(++step, opt); }));
    }
}
