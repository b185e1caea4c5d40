// DropSelection picks by quickselect exactly the drop list a full sort gave: the k lowest keep-scores in ascending
// (score, index) order, per layer and over all layers (ties to the earlier layer, then the lower index), with many
// ties, ±0, k from 0 to all; and NaN keep-scores rank lowest, below −∞, in both scopes (dropped first, NaNs tied by
// layer then index), which is the full sort's order by float.CompareTo.
using Sprout.Core;
using Sprout.Sparse.Topology;

namespace Sprout.Sparse.Tests.Topology;

public class DropSelectionTests
{
    /// <summary>Scores from a few distinct values (ties certain), with −0 next to +0; optionally NaN next to −∞.</summary>
    private static float[] TiedScores(int n, ulong seed, bool withNaN = false)
    {
        var rng = new Rng(seed);
        float[] values = withNaN
            ? [float.NaN, float.NegativeInfinity, -1.5f, -0f, 0f, 0.25f, float.NaN, 2f, float.PositiveInfinity]
            : [-1.5f, -0f, 0f, 0.25f, 0.25f, 2f, float.PositiveInfinity];
        return Enumerable.Range(0, n).Select(_ => values[rng.NextInt(values.Length)]).ToArray();
    }

    private static LayerPlan PlanOf(float[] scores) => new() { Nnz = scores.Length, Scores = scores };

    /// <summary>The reference: a full sort by keep-score (float.CompareTo: NaN first, −0 = +0), ties by index.</summary>
    private static int[] FullSort(float[] scores) =>
        Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ThenBy(i => i).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(150)]
    [InlineData(299)]
    [InlineData(300)]
    public void OneLayerDropsTheHeadOfAFullSort(int k) => AssertOneLayer(TiedScores(300, 11), k);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(72)]
    [InlineData(73)]
    [InlineData(74)]
    [InlineData(150)]
    [InlineData(300)]
    public void OneLayerDropsNaNKeepScoresFirstThenTheLowestNumbers(int k)
    {
        var scores = TiedScores(300, 12, withNaN: true);
        Assert.Equal(73, scores.Count(float.IsNaN)); // so the k above fall inside, at the end of, and past the NaNs
        AssertOneLayer(scores, k);
    }

    private static void AssertOneLayer(float[] scores, int k)
    {
        var plan = PlanOf(scores);
        new DropSelection().SelectLowest(plan, k);
        Assert.Equal(k, plan.DropCount);
        Assert.Equal(FullSort(scores).Take(k), plan.Order.Take(k));
    }

    [Fact]
    public void ReusedBuffersGiveTheSameAnswerForEveryK()
    {
        var selection = new DropSelection();
        var plan = PlanOf([]);
        for (int round = 0; round < 20; round++)
        {
            var scores = TiedScores(50 + 13 * round, 100 + (ulong)round);
            (plan.Nnz, plan.Scores, plan.DropCount) = (scores.Length, scores, 0);
            int k = round * scores.Length / 19;
            selection.SelectLowest(plan, k);
            Assert.Equal(FullSort(scores).Take(k), plan.Order.Take(k));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(60)]
    [InlineData(185)]
    [InlineData(369)]
    [InlineData(370)]
    public void GlobalScopeDropsTheHeadOfAFullSortOverAllLayers(int k) =>
        AssertGlobal([TiedScores(50, 21), TiedScores(200, 22), TiedScores(120, 23)], k);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(68)]
    [InlineData(69)]
    [InlineData(70)]
    [InlineData(185)]
    [InlineData(370)]
    public void GlobalScopeDropsNaNKeepScoresOfEveryLayerFirst(int k)
    {
        // NaNs in the middle and last layers only: a later layer's NaN goes before the first layer's numbers.
        float[][] layers = [TiedScores(50, 21), TiedScores(200, 25, withNaN: true), TiedScores(120, 26, withNaN: true)];
        Assert.Equal(69, layers.Sum(l => l.Count(float.IsNaN)));
        AssertGlobal(layers, k);
    }

    private static void AssertGlobal(float[][] layers, int k)
    {
        var plans = layers.Select(PlanOf).ToList();
        plans.Add(PlanOf(TiedScores(40, 24))); // a stale plan past n must be ignored
        new DropSelection().SelectGlobalLowest(plans, layers.Length, k);
        // Reference: every (layer, index) sorted by score, then layer, then index; each layer's share in sorted order.
        var head = Enumerable.Range(0, layers.Length)
            .SelectMany(l => Enumerable.Range(0, layers[l].Length).Select(i => (Layer: l, Index: i)))
            .OrderBy(e => layers[e.Layer][e.Index]).ThenBy(e => e.Layer).ThenBy(e => e.Index)
            .Take(k).ToArray();
        for (int l = 0; l < layers.Length; l++)
        {
            var expected = head.Where(e => e.Layer == l).Select(e => e.Index).ToArray();
            Assert.Equal(expected.Length, plans[l].DropCount);
            Assert.Equal(expected, plans[l].Order.Take(plans[l].DropCount));
        }
        Assert.Equal(k, plans.Take(layers.Length).Sum(p => p.DropCount));
    }

    [Fact]
    public void NaNKeepScoresAreDroppedFirstInBothScopes()
    {
        // One layer: NaN goes before any number, −∞ included; NaNs by value index.
        float[] scores = [3f, float.NaN, float.NegativeInfinity, float.NaN, 2f];
        var plan = PlanOf(scores);
        new DropSelection().SelectLowest(plan, 3);
        Assert.Equal([1, 3, 2], plan.Order.Take(3));

        // Global scope: the same rule, so layer 1's NaN goes first although layer 0 comes earlier (the merge this
        // replaced compared heads with <, which a later layer's NaN never won, so layer 1 dropped nothing here).
        var plans = new List<LayerPlan> { PlanOf([2f, 1f, 4f]), PlanOf([float.NaN, 0.5f]) };
        new DropSelection().SelectGlobalLowest(plans, 2, 3);
        Assert.Equal((1, 2), (plans[0].DropCount, plans[1].DropCount));
        Assert.Equal([1], plans[0].Order.Take(1));
        Assert.Equal([0, 1], plans[1].Order.Take(2));

        // Among NaNs of several layers: the earlier layer, then the lower value index.
        plans = [PlanOf([1f, float.NaN]), PlanOf([float.NaN, float.NaN])];
        new DropSelection().SelectGlobalLowest(plans, 2, 2);
        Assert.Equal((1, 1), (plans[0].DropCount, plans[1].DropCount));
        Assert.Equal((1, 0), (plans[0].Order[0], plans[1].Order[0]));
    }
}
