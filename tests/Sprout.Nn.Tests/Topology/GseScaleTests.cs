// GSE's always-sparse promise at scale: a 100,000 × 100,000 SparseLinear at density 1e-4 (1e6 connections) goes
// through training steps and several GSE topology updates (each sampler, γ = 1; per-layer and global scope) while the process allocates far
// less than one dense weight matrix (40 GB) or even one dense row block would need.
using Sprout.Core;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Topology;

[Collection(ProcessMemory.Name)]
public class GseScaleTests
{
    [Theory]
    [InlineData(CandidateDistribution.Uniform, TopologyScope.Layer)]
    [InlineData(CandidateDistribution.GraEst, TopologyScope.Layer)]
    [InlineData(CandidateDistribution.Uniform, TopologyScope.Global)]
    public void HundredThousandSquared_SeveralUpdates_AllocatesUnder200MB(CandidateDistribution distribution, TopologyScope scope)
    {
        const int n = 100_000, batch = 4, updates = 3;
        long before = GC.GetTotalAllocatedBytes(true);

        var layer = new SparseLinear(n, n, 1e-4, new Rng(2024)) { LayerName = "big" };
        int nnz = layer.Topology.Nnz;
        var x = GradCheck.RandomTensor(1, batch, n);
        var tape = new Tape();
        var scheduler = new TopologyScheduler([layer], new Gse(distribution, scope: scope), new UpdateSchedule(1, 100, 0.3f, FractionDecay.Constant), seed: 3);
        for (int step = 1; step <= updates; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Ops.Sum(Ops.Mul(layer.Forward(x), x)); // δ = x: a cheap, non-trivial output gradient
            tape.Backward(loss);
            tape.Reset();
            Assert.True(scheduler.Step(step));
            Assert.True(scheduler.LastUpdate[0].Grown > nnz / 4, $"update {step} grew only {scheduler.LastUpdate[0].Grown}");
        }

        long allocated = GC.GetTotalAllocatedBytes(true) - before;
        Assert.Equal(nnz, layer.Topology.Nnz);
        layer.Topology.CheckInvariants();
        Assert.True(allocated < 200L << 20, $"allocated {allocated / (1 << 20)} MB");
    }
}
