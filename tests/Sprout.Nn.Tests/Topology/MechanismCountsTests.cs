// The shared mechanism with per-layer drop and grow counts that differ (budget moved between layers) and with GSE's
// global scope: per-layer nnz becomes old − drops + grows, the total over all layers is exact (also when a layer's
// candidates run short), CSR stays valid, bad counts are rejected, global drops are the globally smallest |w|,
// nothing changes off schedule, and the same seed gives the same topology.
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class MechanismCountsTests
{
    /// <summary>Magnitude drop; offers at most <c>offer</c> inactive positions (the first ones, row-major).</summary>
    private sealed class FewCandidates(int offer) : ITopologyUpdater
    {
        public string Name => "few";

        public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores) => TopologyMechanism.MagnitudeScores(layer, scores);

        public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates)
        {
            var t = layer.Topology;
            for (int r = 0, n = 0; r < t.Rows && n < offer; r++)
                for (int c = 0; c < t.Cols && n < offer; c++)
                    if (!t.IsActive(r, c)) { candidates.Add(r, c, 1f); n++; }
        }
    }

    /// <summary>A context after one training step (GSE reads the cached batch; explicit counts need no drop fraction); the optimizer's state must follow.</summary>
    private static TopologyContext Context(MethodHarness h)
    {
        h.TrainStep();
        return new TopologyContext(1, h.Optimizer);
    }

    [Theory]
    [InlineData(SparseLayerKind.Csr)]
    [InlineData(SparseLayerKind.Masked)]
    public void UnequalCountsChangeEachLayerAndKeepTheTotal(SparseLayerKind kind)
    {
        var h = new MethodHarness(5, kind);
        var context = Context(h);
        h.TrainStep();
        var before = h.Layers.Select(l => l.Topology.Nnz).ToArray();
        var results = new LayerUpdate[2];
        new TopologyMechanism().UpdateLayers(h.Layers, new Gse(), context, [12, 2], [4, 10], results);
        Assert.Equal(before[0] - 8, h.Layers[0].Topology.Nnz);
        Assert.Equal(before[1] + 8, h.Layers[1].Topology.Nnz);
        Assert.Equal([12, 2], results.Select(r => r.Dropped));
        Assert.Equal(before[1] + 8, results[1].Nnz);
        foreach (var l in h.Layers) l.Topology.CheckInvariants();
        h.TrainStep();
    }

    [Fact]
    public void ShortCandidatesCancelDropsSoTheTotalStaysExact()
    {
        var h = new MethodHarness(6);
        var context = Context(h);
        int total = h.Layers.Sum(l => l.Topology.Nnz);
        var results = new LayerUpdate[2];
        // Layer 0 asks for 8 grows but is offered 2: its own 5 drops are cancelled first, then 1 of layer 1's.
        new TopologyMechanism().UpdateLayers(h.Layers, new FewCandidates(2), context, [5, 5], [8, 2], results);
        Assert.Equal(total, h.Layers.Sum(l => l.Topology.Nnz));
        Assert.Equal([0, 4], results.Select(r => r.Dropped));
        Assert.Equal([2, 2], results.Select(r => r.Grown));
        foreach (var l in h.Layers) l.Topology.CheckInvariants();
    }

    [Fact]
    public void BadCountsAreRejectedWithTheReason()
    {
        var h = new MethodHarness(7);
        var context = Context(h);
        var m = new TopologyMechanism();
        var results = new LayerUpdate[2];
        Assert.Contains("sum to 5 but the grow counts to 4", Assert.Throws<ArgumentException>(() => m.UpdateLayers(h.Layers, new Gse(), context, [3, 2], [2, 2], results)).Message);
        Assert.Contains("one per layer", Assert.Throws<ArgumentException>(() => m.UpdateLayers(h.Layers, new Gse(), context, [3], [3], results)).Message);
        Assert.Contains("drop 100000", Assert.Throws<ArgumentException>(() => m.UpdateLayers(h.Layers, new Gse(), context, [100_000, 0], [0, 100_000], results)).Message);
    }

    private static long[][] RunGlobal(ulong seed, bool checkEachUpdate)
    {
        var h = new MethodHarness(8, density: 0.3);
        int total = h.Layers.Sum(l => l.Topology.Nnz);
        var initial = h.Layers.Select(l => l.Topology.Nnz).ToArray();
        var scheduler = new TopologyScheduler(h.Layers, new Gse(scope: TopologyScope.Global), new UpdateSchedule(3, 30, 0.3f, FractionDecay.Constant), seed);
        bool moved = false;
        for (int s = 1; s <= 12; s++)
        {
            h.TrainStep();
            var before = h.Snapshot();
            var weights = h.Layers.Select(l => { var w = new float[l.Topology.Nnz]; l.ReadActiveWeights(w); return w; }).ToArray();
            bool changed = scheduler.Step(s, h.Optimizer);
            Assert.Equal(s % 3 == 0, changed);
            if (!changed)
            {
                Assert.Equal(before, h.Snapshot());
                continue;
            }
            Assert.Equal(total, h.Layers.Sum(l => l.Topology.Nnz));
            moved |= !initial.SequenceEqual(h.Layers.Select(l => l.Topology.Nnz));
            if (!checkEachUpdate) continue;
            // The dropped entries are the globally smallest |w|: only regrown entries (dropped, then grown back)
            // may be survivors below the largest dropped magnitude.
            var after = h.Snapshot();
            float maxDropped = 0f;
            var survivors = new List<float>();
            for (int l = 0; l < h.Layers.Count; l++)
            {
                h.Layers[l].Topology.CheckInvariants();
                Assert.Equal(after[l].Length, after[l].Distinct().Count());
                var now = after[l].ToHashSet();
                for (int p = 0; p < before[l].Length; p++)
                {
                    if (now.Contains(before[l][p])) survivors.Add(MathF.Abs(weights[l][p]));
                    else maxDropped = MathF.Max(maxDropped, MathF.Abs(weights[l][p]));
                }
            }
            int regrown = 0;
            foreach (var u in scheduler.LastUpdate) regrown += u.Regrown;
            Assert.True(survivors.Count(w => w < maxDropped) <= regrown);
            Assert.True(scheduler.LastUpdate.ToArray().Sum(u => u.Dropped) >= (int)(0.3 * total) - regrown);
        }
        Assert.True(moved, "global scope never changed a layer's nnz");
        return h.Snapshot();
    }

    [Fact]
    public void GseGlobalScopeKeepsTheTotalAndDropsTheGloballySmallest()
    {
        var a = RunGlobal(seed: 1, checkEachUpdate: true);
        Assert.Equal(a, RunGlobal(seed: 1, checkEachUpdate: false));
        Assert.NotEqual(a, RunGlobal(seed: 2, checkEachUpdate: false));
    }
}
