// MaskSelection.TopKIndices: the k highest scores with ties to the lower index (the same set as a full sort by
// score then index), NaN as −∞, ascending output, and no allocation.
using Sprout.Core;
using Sprout.Sparse.Pruning;

namespace Sprout.Sparse.Tests;

public class MaskSelectionTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(200)]
    public void TopKIndicesEqualsAFullSortWithTiesToTheLowerIndex(int k)
    {
        var rng = new Rng(9);
        // Few distinct values, so ties at the threshold are certain.
        var scores = Enumerable.Range(0, 200).Select(_ => (float)rng.NextInt(12)).ToArray();
        scores[5] = float.NaN;
        var expected = Enumerable.Range(0, 200)
            .OrderByDescending(i => float.IsNaN(scores[i]) ? float.NegativeInfinity : scores[i]).ThenBy(i => i)
            .Take(k).Order().ToArray();
        var result = new int[k];
        MaskSelection.TopKIndices(scores, k, new float[200], result);
        Assert.Equal(expected, result);
    }

    [Fact]
    public void TopKIndicesAllocatesNothingAndRejectsBadSizes()
    {
        var scores = Enumerable.Range(0, 1000).Select(i => (float)((i * 7919) % 1000)).ToArray();
        var (scratch, result) = (new float[1000], new int[100]);
        MaskSelection.TopKIndices(scores, 100, scratch, result);
        long before = GC.GetAllocatedBytesForCurrentThread();
        MaskSelection.TopKIndices(scores, 100, scratch, result);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(Enumerable.Range(0, 1000).Where(i => (i * 7919) % 1000 >= 900), result);
        Assert.Throws<ArgumentException>(() => MaskSelection.TopKIndices(scores, 1001, new float[1000], new int[1001]));
        Assert.Throws<ArgumentException>(() => MaskSelection.TopKIndices(scores, 10, new float[10], result));
    }
}
