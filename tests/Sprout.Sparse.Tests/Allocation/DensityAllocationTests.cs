// Density allocation against hand-computed cases: uniform, ERK with one round of dense exclusion, fixed layers.
using Sprout.Sparse.Allocation;

namespace Sprout.Sparse.Tests.Allocation;

public class DensityAllocationTests
{
    private static readonly LayerShape[] TwoLayers = [new("0", 2, 2), new("1", 100, 100)];

    [Fact]
    public void ErkHandCase_SmallLayerBecomesDense()
    {
        // s = 0.5. Round 1: q = [1, 0.02], rhs = 2 + 5000, divisor = 4 + 200, ε = 24.52 → ε·1 > 1, layer 0 dense.
        // Round 2: rhs = 5000 − ⌊0.5·4⌋ = 4998, divisor = 200, ε = 24.99 → d_1 = 0.4998.
        var d = DensityAllocation.Allocate(TwoLayers, new DensityAllocationOptions(0.5));
        Assert.Equal(1.0, d[0]);
        Assert.Equal(0.4998, d[1], 12);
        Assert.Equal(5002, 4 * d[0] + 10000 * d[1], 9); // total = 0.5 · 10004
    }

    [Fact]
    public void ErkWithoutExclusion_MatchesFormula()
    {
        // 784-300-100-10 (LeNet-300-100) at 5%: ε solves Σ ε q_l N_l = Σ N_l − Σ ⌊0.95 N_l⌋.
        LayerShape[] l = [new("1", 300, 784), new("3", 100, 300), new("5", 10, 100)];
        var d = DensityAllocation.Allocate(l, new DensityAllocationOptions(0.05));
        double total = l.Sum(x => x.Parameters), kept = l.Sum(x => x.Parameters - Math.Floor(0.95 * x.Parameters));
        Assert.Equal(kept, l.Select((x, i) => d[i] * x.Parameters).Sum(), 6);
        Assert.True(d[0] < d[1] && d[1] < d[2]);
        Assert.Equal((1084.0 / (300 * 784)) / (400.0 / (100 * 300)), d[0] / d[1], 9);
        Assert.True(kept / total > 0.0499);
    }

    [Fact]
    public void UniformAndPowerScaleZero_GiveTheSameDensity()
    {
        var u = DensityAllocation.Allocate(TwoLayers, new DensityAllocationOptions(0.3, DensityDistribution.Uniform));
        var p0 = DensityAllocation.Allocate(TwoLayers, new DensityAllocationOptions(0.3) { PowerScale = 0 });
        Assert.All(u, x => Assert.Equal(0.3, x, 2));
        Assert.Equal(u, p0);
    }

    [Fact]
    public void OverridesAndDenseEndsAreFixedAndLeftOutOfTheBudget()
    {
        LayerShape[] l = [new("a", 10, 10), new("b", 10, 10), new("c", 10, 10)];
        var opts = new DensityAllocationOptions(0.2, DensityDistribution.Uniform) { DenseFirstLayer = true, Overrides = new Dictionary<string, double> { ["c"] = 0.7 } };
        var d = DensityAllocation.Allocate(l, opts);
        Assert.Equal([1.0, 0.2, 0.7], d);
        Assert.Equal([100L, 20L, 70L], DensityAllocation.NnzPerLayer(l, d));
    }

    [Fact]
    public void BadInputs_SayWhatWasWrong()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DensityAllocationOptions(0));
        var ex = Assert.Throws<ArgumentException>(() => DensityAllocation.Allocate(TwoLayers, new DensityAllocationOptions(0.5) { Overrides = new Dictionary<string, double> { ["zz"] = 0.5 } }));
        Assert.Contains("zz", ex.Message);
    }
}
