// TostSchedule: the annealing schedules hit their end points exactly (β = β₀, α = 1, ε = ε₀ at step 0; ReLU, 0, 0
// from the switch on) and move monotonically in between.
using Sprout.Training.Recipes.Tost;

namespace Sprout.Training.Tests.Recipes.Tost;

public sealed class TostScheduleTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void SchedulesAreExactAtTheirBoundaries(int switchStep)
    {
        var s = new TostSchedule(switchStep, betaStart: 1f, betaEnd: 100f);
        Assert.Equal(1f, s.Beta(0));
        Assert.Equal(1f, s.Alpha(0));
        Assert.Equal(0.1f, s.Smoothing(0, 0.1f));
        foreach (int after in new[] { switchStep, switchStep + 1, 10 * switchStep })
        {
            Assert.True(float.IsPositiveInfinity(s.Beta(after)));
            Assert.Equal(0f, s.Alpha(after));
            Assert.Equal(0f, s.Smoothing(after, 0.1f));
            Assert.True(s.IsSwitched(after));
        }
        Assert.False(s.IsSwitched(switchStep - 1));
        Assert.True(float.IsFinite(s.Beta(switchStep - 1)));
        Assert.True(s.Beta(switchStep - 1) <= 100f);
    }

    [Fact]
    public void BetaIsGeometricAndAlphaCosineInBetween()
    {
        var s = new TostSchedule(100, betaStart: 1f, betaEnd: 100f);
        Assert.Equal(10f, s.Beta(50), 4);            // halfway in log scale: √(1·100)
        Assert.Equal(0.5f, s.Alpha(50), 6);          // cos(π/2) = 0
        Assert.Equal(0.05f, s.Smoothing(50, 0.1f), 6);
        for (int t = 1; t < 100; t++)
        {
            Assert.True(s.Beta(t) > s.Beta(t - 1));
            Assert.True(s.Alpha(t) < s.Alpha(t - 1));
        }
    }

    [Fact]
    public void RejectsImpossibleSchedules()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TostSchedule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TostSchedule(10, betaStart: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TostSchedule(10, betaStart: 5f, betaEnd: 2f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TostSchedule(10, betaEnd: float.PositiveInfinity));
    }
}
