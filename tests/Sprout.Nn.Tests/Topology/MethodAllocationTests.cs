// Per-step paths allocate nothing once warm: the scheduler's off-schedule steps (including the always-sparse
// sparse-momentum pool update, which runs every step) and repeated update steps of GSE (per layer and global scope),
// DST-EE, RigL and SET, so the shared mechanism's select, sort and rewire path allocates nothing either.
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class MethodAllocationTests
{
    [Fact]
    public void SparseMomentumPoolStepAllocatesNothing()
    {
        var h = new MethodHarness(1);
        var scheduler = new TopologyScheduler(h.Layers, new SparseMomentum(), new UpdateSchedule(1000, 2000, 0.3f), seed: 1);
        for (int s = 1; s <= 3; s++) { h.TrainStep(); scheduler.Step(s, h.Optimizer); }
        h.TrainStep();
        long before = GC.GetAllocatedBytesForCurrentThread();
        scheduler.Step(4, h.Optimizer);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [InlineData("gse")]
    [InlineData("gse-graest")]
    [InlineData("gse-global")]
    [InlineData("dst-ee")]
    [InlineData("rigl")]
    [InlineData("set")]
    public void RepeatedUpdatesAllocateNothing(string method)
    {
        var h = new MethodHarness(2);
        ITopologyUpdater updater = method switch
        {
            "gse" => new Gse(),
            "gse-graest" => new Gse(CandidateDistribution.GraEst),
            "gse-global" => new Gse(scope: TopologyScope.Global),
            "rigl" => new RigL(),
            "set" => new Set(),
            _ => new DstEe(),
        };
        var scheduler = new TopologyScheduler(h.Layers, updater, new UpdateSchedule(1, 1000, 0.3f, FractionDecay.Constant), seed: 1);
        int step = 0;
        for (; step < 20; step++) { h.TrainStep(); scheduler.Step(step + 1, h.Optimizer); }
        // Tiered JIT may still swap code in and allocate on this thread (not the update's doing), so measure windows
        // of updates until it has settled, as the kernel allocation tests do; training steps are not counted.
        long allocated = -1;
        for (int window = 0; window < 20 && allocated != 0; window++)
        {
            allocated = 0;
            for (int i = 0; i < 5; i++)
            {
                h.TrainStep();
                long before = GC.GetAllocatedBytesForCurrentThread();
                Assert.True(scheduler.Step(++step, h.Optimizer));
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }
        Assert.Equal(0, allocated);
    }
}

public class MethodCandidateAllocationTests
{
    [Theory]
    [InlineData(CandidateDistribution.Uniform)]
    [InlineData(CandidateDistribution.GraBo)]
    [InlineData(CandidateDistribution.GraEst)]
    public void WarmGseCandidateGenerationAllocatesNothing(CandidateDistribution distribution)
    {
        var h = new MethodHarness(3);
        h.TrainStep();
        var gse = new Gse(distribution);
        var context = new TopologyContext(1);
        var candidates = new GrowthCandidates();
        for (int i = 0; i < 5; i++) { candidates.Clear(); gse.GrowCandidates(h.Layers[0], context, 10, candidates); }
        candidates.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        gse.GrowCandidates(h.Layers[0], context, 10, candidates);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
