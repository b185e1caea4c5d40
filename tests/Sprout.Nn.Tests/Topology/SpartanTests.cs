// Spartan: the soft mask meets the budget, its implicit backward matches finite differences, the hard forward keeps
// the budget (whole blocks in block mode), schedules and the fine-tune freeze behave as published.
using Sprout.Core;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class SpartanTests
{
    private static float[] Mask(float[] v, float[] c, double k, float beta, double tol = 1e-9, int iters = 1000)
    {
        var m = new float[v.Length];
        SoftTopK.Forward(v, c, k, beta, m, new int[v.Length], new float[v.Length], iters, tol);
        return m;
    }

    [Theory]
    [InlineData(1f, 0.01)]
    [InlineData(20f, 0.01)]
    [InlineData(5f, 1e-9)]
    public void SoftMaskSumsToBudget(float beta, double tolerance)
    {
        var rng = new Rng(1);
        var v = new float[200];
        var c = new float[200];
        for (int i = 0; i < v.Length; i++) { v[i] = MathF.Abs(rng.Normal()); c[i] = 1 + rng.NextInt(3); }
        double k = 0.1 * c.Sum();
        var m = Mask(v, c, k, beta, tolerance, 100);
        double used = 0;
        for (int i = 0; i < m.Length; i++) { used += c[i] * m[i]; Assert.InRange(m[i], 0f, 1f); }
        Assert.True(Math.Abs(used - k) < (tolerance < 1e-6 ? 1e-3 : 0.05) * k, $"Σ c·m = {used}, budget {k}");
    }

    [Fact]
    public void BackwardMatchesFiniteDifferences()
    {
        float[] v = [0.3f, 1.2f, 0.7f, 0.05f, 0.9f, 0.4f];
        float[] c = [1f, 2f, 1f, 1f, 1f, 2f];
        float[] g = [0.5f, -1f, 2f, 0.3f, -0.7f, 1.1f];
        const float beta = 2f;
        const double k = 3;
        var m = Mask(v, c, k, beta);
        var analytic = new float[v.Length];
        SoftTopK.Backward(m, c, g, beta, analytic);
        for (int j = 0; j < v.Length; j++)
        {
            const float h = 1e-3f;
            var vp = (float[])v.Clone(); vp[j] += h;
            var vm = (float[])v.Clone(); vm[j] -= h;
            double lp = Mask(vp, c, k, beta).Select((x, i) => (double)x * g[i]).Sum();
            double lm = Mask(vm, c, k, beta).Select((x, i) => (double)x * g[i]).Sum();
            Assert.Equal((lp - lm) / (2 * h), analytic[j], 2);
        }
    }

    private static Tensor Weight(int rows, int cols, ulong seed)
    {
        var w = new Tensor(rows, cols) { RequiresGrad = true };
        new Rng(seed).FillNormal(w.Data, 0, 1);
        return w;
    }

    [Theory]
    [InlineData(SpartanAllocation.Global)]
    [InlineData(SpartanAllocation.Uniform)]
    [InlineData(SpartanAllocation.Erk)]
    public void HardForwardKeepsBudgetAndRestoresWeights(SpartanAllocation allocation)
    {
        var w = new[] { Weight(20, 30, 1), Weight(10, 20, 2) };
        var original = w.Select(t => t.ToArray()).ToArray();
        var sp = new Spartan(w, totalSteps: 100, density: 0.1, allocation: allocation);
        sp.BeforeForward(50); // past the warmup: the target budget holds
        int kept = w.Sum(t => t.ToArray().Count(x => x != 0f));
        Assert.InRange(kept, 80, 82); // 10% of 800 entries (one extra on ties)
        for (int l = 0; l < 2; l++) Assert.Equal(w[l].ToArray().Count(x => x != 0f), sp.HardCount(l));
        foreach (var t in w) t.Grad.Fill(1f);
        sp.AfterBackward();
        for (int l = 0; l < 2; l++) Assert.Equal(original[l], w[l].ToArray());
        Assert.Throws<InvalidOperationException>(() => sp.AfterBackward());
    }

    [Fact]
    public void BlockModeKeepsWholeBlocks()
    {
        var w = new[] { Weight(16, 24, 3) };
        var sp = new Spartan(w, totalSteps: 10, density: 0.25, blockRows: 4, blockCols: 4);
        sp.BeforeForward(5);
        var x = w[0].ToArray();
        for (int br = 0; br < 4; br++)
            for (int bc = 0; bc < 6; bc++)
            {
                int nz = 0;
                for (int r = 0; r < 4; r++) for (int c = 0; c < 4; c++) if (x[(br * 4 + r) * 24 + bc * 4 + c] != 0f) nz++;
                Assert.True(nz is 0 or 16, $"block ({br},{bc}) has {nz} non-zeros");
            }
        Assert.Equal(6, sp.HardCount(0));
    }

    [Fact]
    public void SchedulesAndFreeze()
    {
        var w = new[] { Weight(8, 8, 4) };
        var sp = new Spartan(w, totalSteps: 100, density: 0.1);
        Assert.Equal(1.0, sp.CostFraction(0, 0.1), 6);
        Assert.Equal(0.55, sp.CostFraction(10, 0.1), 6);
        Assert.Equal(0.1, sp.CostFraction(20, 0.1), 6);
        Assert.Equal(1f, sp.Beta(0, 1), 5);
        Assert.Equal(20f, sp.Beta(80, 1), 4);
        Assert.Equal(80f, sp.Beta(90, 16), 4);
        for (int t = 0; t < 100; t++)
        {
            sp.BeforeForward(t);
            w[0].Grad.Fill(0.1f);
            sp.AfterBackward();
            Assert.Equal(t >= 80, sp.IsFrozen);
            if (t >= 80) Assert.Equal(7, sp.HardCount(0)); // the first 7 blocks reach a cumulative cost ≥ 6.4, frozen
        }
    }
}
