// A NaN grow score (a NaN gradient) ranks lowest, like a NaN keep-score on the drop side: per layer and over all
// layers it is grown only after every number, −∞ included, and NaNs tie by layer, then position. RigL's own running
// top-k follows the same rule, so a NaN gradient neither wins a slot nor blocks the positions scanned after it.
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class NaNGrowScoreTests
{
    /// <summary>Magnitude drop; offers every inactive position, scored from a few tied values, many of them NaN.</summary>
    private sealed class NaNCandidates(ISparseLayer[] layers, TopologyScope scope = TopologyScope.Layer) : ITopologyUpdater
    {
        public string Name => "nan-candidates";

        public TopologyScope Scope => scope;

        public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores) => TopologyMechanism.MagnitudeScores(layer, scores);

        public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates)
        {
            var t = layer.Topology;
            for (int r = 0; r < t.Rows; r++)
                for (int c = 0; c < t.Cols; c++)
                    if (!t.IsActive(r, c)) candidates.Add(r, c, Score(Array.IndexOf(layers, layer), (long)r * t.Cols + c));
        }

        /// <summary>Layer 0: mostly NaN, with a few numbers; layer 1: NaN at every third position.</summary>
        public static float Score(int layer, long position)
        {
            float[] values = [float.NegativeInfinity, 0f, 1f, 1f, 3f];
            bool nan = layer == 0 ? position % 16 != 0 : position % 3 == 0;
            return nan ? float.NaN : values[position * 7 % values.Length];
        }
    }

    /// <summary>Every inactive (layer, position) in grow order: score descending by float.CompareTo (NaN last), then layer, then position.</summary>
    private static (int Layer, long Position)[] GrowOrder(IReadOnlyList<ISparseLayer> layers, long[][] active)
    {
        var all = new List<(int Layer, long Position)>();
        for (int l = 0; l < layers.Count; l++)
        {
            var taken = active[l].ToHashSet();
            for (long p = 0; p < layers[l].Topology.Positions; p++)
                if (!taken.Contains(p)) all.Add((l, p));
        }
        return all.OrderByDescending(e => NaNCandidates.Score(e.Layer, e.Position)).ThenBy(e => e.Layer).ThenBy(e => e.Position).ToArray();
    }

    private static long[] Newcomers(long[] before, long[] after) => after.Except(before).Order().ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(26)]
    [InlineData(27)]
    [InlineData(28)]
    [InlineData(60)]
    public void OneLayerGrowsNaNCandidatesOnlyAfterEveryNumber(int k)
    {
        var h = new MethodHarness(21);
        var before = h.Snapshot();
        var order = GrowOrder(h.Layers, before).Where(e => e.Layer == 0).ToArray();
        Assert.Equal(27, order.Count(e => !float.IsNaN(NaNCandidates.Score(0, e.Position)))); // so k runs past the numbers
        var update = new TopologyMechanism().UpdateLayer(h.Layers[0], new NaNCandidates([.. h.Layers]), new TopologyContext(1, h.Optimizer), k);
        Assert.Equal(k, update.Grown);
        Assert.Equal(order.Take(k).Select(e => e.Position).Order(), Newcomers(before[0], h.Snapshot()[0]));
    }

    [Theory]
    [InlineData(0.05f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(1f)]
    public void GlobalScopeGrowsEveryLayersNumbersBeforeAnyNaN(float fraction)
    {
        var h = new MethodHarness(22);
        var before = h.Snapshot();
        var order = GrowOrder(h.Layers, before);
        int numbers = order.Count(e => !float.IsNaN(NaNCandidates.Score(e.Layer, e.Position)));
        long total = h.Layers.Sum(l => (long)l.Topology.Nnz);
        int k = (int)(fraction * total);
        Assert.Equal(fraction == 1f, k > numbers); // the last case runs past the numbers into both layers' NaNs
        var updater = new NaNCandidates([.. h.Layers], TopologyScope.Global);
        var scheduler = new TopologyScheduler(h.Layers, updater, new UpdateSchedule(1, 10, fraction, FractionDecay.Constant), seed: 1);
        Assert.True(scheduler.Step(1, h.Optimizer));
        var after = h.Snapshot();
        var head = order.Take(k).ToArray();
        for (int l = 0; l < h.Layers.Count; l++)
            Assert.Equal(head.Where(e => e.Layer == l).Select(e => e.Position).Order(), Newcomers(before[l], after[l]));
    }

    [Fact]
    public void RigLKeepsTheLargestNumericGradientsAndSkipsNaN()
    {
        var h = new MethodHarness(23, SparseLayerKind.Masked);
        h.TrainStep();
        var layer = (MaskedLinear)h.Layers[0];
        var grad = layer.DenseGradient.Data;
        var active = h.Snapshot()[0].ToHashSet();
        // NaN at the first inactive positions of the scan, so they fill RigL's running top-k first.
        var inactive = Enumerable.Range(0, grad.Length).Where(i => !active.Contains(i)).ToArray();
        foreach (int i in inactive.Take(8)) grad[i] = float.NaN;
        var g = grad.ToArray();
        var expected = inactive.OrderByDescending(i => MathF.Abs(g[i])).ThenBy(i => i).Take(20).Select(i => (long)i).Order();
        var candidates = new GrowthCandidates();
        new RigL(blockFloats: 50, dropNoise: 0f).GrowCandidates(layer, new TopologyContext(1), 20, candidates);
        var proposed = Enumerable.Range(0, candidates.Count).Select(i => (long)candidates.Rows[i] * layer.Topology.Cols + candidates.Cols[i]).Order();
        Assert.Equal(expected, proposed);
    }
}
