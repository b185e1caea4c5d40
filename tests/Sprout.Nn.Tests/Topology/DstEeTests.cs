// DST-EE: counters count update rounds per ever-active connection (hash map, never dense), the bonus has the
// configured form and steers growth toward rarely-active connections, nnz and the seed are respected, and the
// dense-candidate variant runs on MaskedLinear only.
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class DstEeTests
{
    [Fact]
    public void BonusForms()
    {
        var linear = new DstEe(bonus: ExplorationBonus.Linear, epsilon: 0.5f);
        var ucb = new DstEe(bonus: ExplorationBonus.Ucb, epsilon: 0.5f);
        Assert.Equal(MathF.Log(10) / 2.5f, linear.BonusValue(10, 2), 5);
        Assert.Equal(MathF.Sqrt(MathF.Log(10) / 2.5f), ucb.BonusValue(10, 2), 5);
        Assert.Equal(0f, linear.BonusValue(1, 0));
    }

    [Fact]
    public void CountersTrackActiveRoundsOfEverActiveConnectionsOnly()
    {
        var h = new MethodHarness(1);
        var dst = new DstEe();
        var scheduler = new TopologyScheduler(h.Layers, dst, new UpdateSchedule(3, 100, 0.3f), seed: 2);
        var layer = h.Layers[0];
        var everActive = h.Snapshot()[0].ToHashSet();
        var expected = new Dictionary<long, int>();
        for (int s = 1; s <= 15; s++)
        {
            h.TrainStep();
            if (!scheduler.Step(s, h.Optimizer)) continue;
            foreach (long key in h.Snapshot()[0])
            {
                expected[key] = expected.GetValueOrDefault(key) + 1;
                everActive.Add(key);
            }
        }
        int cols = layer.Topology.Cols;
        foreach (var (key, n) in expected) Assert.Equal(n, dst.ActiveRounds(layer, (int)(key / cols), (int)(key % cols)));
        Assert.Equal(expected.Count, dst.TrackedConnections(layer));
        Assert.True(dst.TrackedConnections(layer) <= everActive.Count);
        Assert.True(dst.TrackedConnections(layer) > layer.Topology.Nnz); // the topology moved
    }

    [Fact]
    public void LargeExplorationPrefersNeverActiveConnections()
    {
        var h = new MethodHarness(2);
        var dst = new DstEe(exploration: 1e6f);
        var layer = h.Layers[0];
        var scheduler = new TopologyScheduler(h.Layers, dst, new UpdateSchedule(2, 100, 0.3f, FractionDecay.Constant), seed: 3);
        var everActive = h.Snapshot()[0].ToHashSet();
        for (int s = 1; s <= 12; s++)
        {
            h.TrainStep();
            var before = h.Snapshot()[0].ToHashSet();
            if (!scheduler.Step(s, h.Optimizer)) continue;
            var grown = h.Snapshot()[0].Where(k => !before.Contains(k)).ToArray();
            Assert.NotEmpty(grown);
            // With the bonus dominating, a previously active connection is regrown only if too few fresh ones were sampled.
            if (s > 2) Assert.True(grown.Count(everActive.Contains) <= grown.Length / 4, $"step {s}: {grown.Count(everActive.Contains)} of {grown.Length} regrown");
            everActive.UnionWith(grown);
        }
    }

    [Theory]
    [InlineData(SparseLayerKind.Csr, false)]
    [InlineData(SparseLayerKind.Masked, true)]
    public void KeepsNnzAndIsReproducible(SparseLayerKind kind, bool allInactive)
    {
        long[][] RunOnce()
        {
            var h = new MethodHarness(3, kind);
            var nnz = h.Layers.Select(l => l.Topology.Nnz).ToArray();
            var scheduler = new TopologyScheduler(h.Layers, new DstEe(allInactive: allInactive), new UpdateSchedule(4, 40, 0.3f), seed: 9);
            Assert.Equal(9, h.Run(scheduler, 40));
            Assert.Equal(nnz, h.Layers.Select(l => l.Topology.Nnz).ToArray());
            return h.Snapshot();
        }
        Assert.Equal(RunOnce(), RunOnce());
    }

    [Fact]
    public void DenseCandidatesOnAlwaysSparseLayerSaysWhatToDo()
    {
        var h = new MethodHarness(4);
        h.TrainStep();
        var scheduler = new TopologyScheduler(h.Layers, new DstEe(allInactive: true), new UpdateSchedule(1, 10, 0.3f));
        var e = Assert.Throws<InvalidOperationException>(() => scheduler.Step(1, h.Optimizer));
        Assert.Contains("sampled variant", e.Message);
    }

    [Fact]
    public void RejectsNegativeExploration() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DstEe(exploration: -1f));
}
