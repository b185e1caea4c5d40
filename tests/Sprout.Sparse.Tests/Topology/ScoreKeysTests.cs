// ScoreKeys.Descending orders scores as float.CompareTo does, reversed: NaN (any payload) above −∞'s key, −0 = +0.
using Sprout.Sparse.Topology;

namespace Sprout.Sparse.Tests.Topology;

public class ScoreKeysTests
{
    [Fact]
    public void KeysFallAsScoresRiseWithNaNLowest()
    {
        float[] ascending = [float.NaN, float.NegativeInfinity, float.MinValue, -1f, -float.Epsilon, 0f, float.Epsilon, 1f, float.MaxValue, float.PositiveInfinity];
        for (int i = 1; i < ascending.Length; i++)
            Assert.True(ScoreKeys.Descending(ascending[i - 1]) > ScoreKeys.Descending(ascending[i]), $"{ascending[i - 1]} vs {ascending[i]}");
        Assert.Equal(ScoreKeys.Descending(0f), ScoreKeys.Descending(-0f));
        Assert.Equal(ScoreKeys.Descending(float.NaN), ScoreKeys.Descending(BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00001))));
    }
}
