// DropSelection picks by quickselect exactly the drop list a full sort gave: the k lowest keep-scores in ascending
// (score, index) order, per layer and over all layers (ties to the earlier layer, then the lower index), with many
// ties, ±0, k from 0 to all, and the NaN path that keeps the previous sort-and-merge behaviour.
using Sprout.Core;
using Sprout.Sparse.Topology;

namespace Sprout.Sparse.Tests.Topology;

public class DropSelectionTests
{
    /// <summary>Scores from a few distinct values (ties certain), with −0 next to +0.</summary>
    private static float[] TiedScores(int n, ulong seed)
    {
        var rng = new Rng(seed);
        float[] values = [-1.5f, -0f, 0f, 0.25f, 0.25f, 2f, float.PositiveInfinity];
        return Enumerable.Range(0, n).Select(_ => values[rng.NextInt(values.Length)]).ToArray();
    }

    private static LayerPlan PlanOf(float[] scores) => new() { Nnz = scores.Length, Scores = scores };

    /// <summary>The reference: a full sort by keep-score (float.CompareTo), ties by index.</summary>
    private static int[] FullSort(float[] scores) =>
        Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ThenBy(i => i).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(150)]
    [InlineData(299)]
    [InlineData(300)]
    public void OneLayerDropsTheHeadOfAFullSort(int k)
    {
        var scores = TiedScores(300, 11);
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
    public void GlobalScopeDropsTheHeadOfAFullSortOverAllLayers(int k)
    {
        float[][] layers = [TiedScores(50, 21), TiedScores(200, 22), TiedScores(120, 23)];
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
    public void NaNKeepScoresKeepTheSortAndMergeBehaviour()
    {
        // One layer: the sort puts NaN first, so a NaN entry is dropped before any number.
        float[] scores = [3f, float.NaN, 1f, float.NaN, 2f];
        var plan = PlanOf(scores);
        new DropSelection().SelectLowest(plan, 3);
        Assert.Equal([1, 3, 2], plan.Order.Take(3));

        // Global scope: the merge compares heads with <, which a later layer's NaN head never wins, so layer 1
        // drops nothing while layer 0 has entries left (previous behaviour, kept so that results stay identical).
        var plans = new List<LayerPlan> { PlanOf([2f, 1f, 4f]), PlanOf([float.NaN, 0.5f]) };
        new DropSelection().SelectGlobalLowest(plans, 2, 3);
        Assert.Equal((3, 0), (plans[0].DropCount, plans[1].DropCount));
        Assert.Equal([1, 0, 2], plans[0].Order.Take(3));
    }
}
