// SoftTopK fast path against the published algorithm (SoftTopK.Scalar: sort + fixed point in double) on random
// pools: odd sizes around the vector width, ties, costs ≠ 1; the warm-started solver against cold solves over a
// drifting sequence; the vectorized backward against the scalar one and against finite differences.
using Sprout.Core;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class SoftTopKTests
{
    private static (float[] Values, float[] Costs) Pool(int n, ulong seed, bool ties, bool unitCosts)
    {
        var rng = new Rng(seed);
        var v = new float[n];
        var c = new float[n];
        for (int i = 0; i < n; i++)
        {
            float x = MathF.Abs(rng.Normal());
            v[i] = ties ? MathF.Round(x * 8) / 8 : x; // ties: a handful of distinct values
            c[i] = unitCosts ? 1f : 1 + rng.NextInt(4);
        }
        return (v, c);
    }

    private static (float Tau, float[] Mask) Reference(float[] v, float[] c, double k, float beta)
    {
        var m = new float[v.Length];
        float tau = SoftTopK.Scalar.Forward(v, c, k, beta, m, new int[v.Length], new float[v.Length], 2000, 1e-10);
        return (tau, m);
    }

    private static (float Tau, float[] Mask, double Mu) Fast(float[] v, float[] c, double k, float beta, double tolerance = 1e-6)
    {
        int n = v.Length;
        var m = new float[n];
        var (tau, mu) = SoftTopK.Forward(v, c, k, beta, m, new float[n], new float[n], new float[n], 0, 200, tolerance);
        return (tau, m, mu);
    }

    public static TheoryData<int, bool, bool, double> Cases() => new()
    {
        { 1, false, true, 0.7 }, { 2, false, false, 0.5 }, { 15, true, false, 0.3 }, { 16, false, true, 0.1 },
        { 17, true, true, 0.25 }, { 33, false, false, 0.9 }, { 257, true, false, 0.05 }, { 1001, false, false, 0.02 },
        { 4099, true, true, 0.05 }, { 9000, false, false, 0.2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ThresholdAndMaskMatchTheReference(int n, bool ties, bool unitCosts, double fraction)
    {
        var (v, c) = Pool(n, (ulong)n * 7 + 1, ties, unitCosts);
        double k = fraction * c.Sum();
        foreach (float beta in new[] { 1f, 20f, 80f })
        {
            var (refTau, refMask) = Reference(v, c, k, beta);
            var (tau, mask, _) = Fast(v, c, k, beta);
            Assert.Equal(refTau, tau);
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(mask[i] - refMask[i]) <= 2e-4, $"n={n} β={beta}: m[{i}] = {mask[i]}, reference {refMask[i]}");
        }
    }

    [Theory]
    [InlineData(1f, 1e-4)]
    [InlineData(20f, 1e-4)]
    [InlineData(5f, 1e-2)]
    public void SoftMaskSumsToBudget(float beta, double tolerance)
    {
        var (v, c) = Pool(2003, 3, ties: false, unitCosts: false);
        double k = 0.1 * c.Sum();
        var (_, m, _) = Fast(v, c, k, beta, tolerance);
        double used = 0;
        for (int i = 0; i < m.Length; i++) { used += c[i] * m[i]; Assert.InRange(m[i], 0f, 1f); }
        Assert.True(Math.Abs(used - k) <= tolerance * k * 1.01, $"Σ c·m = {used}, budget {k}");
    }

    [Fact]
    public void ShiftConvergesFromAnyStart()
    {
        var (v, c) = Pool(500, 5, ties: false, unitCosts: false);
        double k = 0.05 * c.Sum();
        var u = v.Zip(c, (a, b) => a / b).ToArray();
        float tau = SoftTopK.Threshold(u, c, k, new float[u.Length], new float[u.Length]);
        var m = new float[u.Length];
        foreach (double start in new[] { -1e6, -30, 0, 30, 1e6, double.NaN })
        {
            SoftTopK.Shift(u, c, k, 10f, tau, m, start, 200, 1e-5, out int passes);
            double used = m.Select((x, i) => (double)x * c[i]).Sum();
            Assert.True(Math.Abs(used - k) <= 1e-5 * k * 1.01, $"start {start}: Σ c·m = {used}, budget {k} after {passes} passes");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WarmSolverMatchesColdSolvesOnADriftingPool(bool unitCosts)
    {
        const int n = 20011;
        var (v, c) = Pool(n, 11, ties: false, unitCosts);
        var rng = new Rng(12);
        var solver = new SoftTopKSolver(n);
        var u = new float[n];
        var m = new float[n];
        double total = c.Sum();
        for (int step = 0; step < 60; step++)
        {
            for (int i = 0; i < n; i++) v[i] = MathF.Abs(v[i] + 0.01f * rng.Normal());
            double k = (step < 30 ? 0.5 - 0.015 * step : 0.05) * total; // a budget ramp, then constant
            for (int i = 0; i < n; i++) u[i] = v[i] / c[i];
            float tau = solver.Solve(u, c, k, 20f, m, 100, 1e-5);
            var (coldTau, coldMask, _) = Fast(v, c, k, 20f, 1e-5);
            Assert.Equal(coldTau, tau);
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(m[i] - coldMask[i]) <= 1e-4, $"step {step}: m[{i}] = {m[i]}, cold {coldMask[i]}");
            if (step > 5) Assert.InRange(solver.LastPasses, 1, 4);
        }
        Assert.InRange(solver.FullSelections, 1, 6); // the band around the previous τ answers almost every step
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    public void BackwardMatchesTheScalarBackward(int n)
    {
        var (v, c) = Pool(n, 21, ties: false, unitCosts: false);
        var rng = new Rng(22);
        var (_, m, _) = Fast(v, c, 0.3 * c.Sum(), 3f);
        var g = Enumerable.Range(0, n).Select(_ => rng.Normal()).ToArray();
        var fast = new float[n];
        var reference = new float[n];
        SoftTopK.Backward(m, c, g, 3f, fast);
        SoftTopK.Scalar.Backward(m, c, g, 3f, reference);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(fast[i] - reference[i]) <= 1e-5 * (1 + Math.Abs(reference[i])), $"[{i}] {fast[i]} vs {reference[i]}");
    }

    [Fact]
    public void BackwardMatchesFiniteDifferencesOfTheFastForward()
    {
        float[] v = [0.3f, 1.2f, 0.7f, 0.05f, 0.9f, 0.4f, 0.65f, 1.1f, 0.2f, 0.8f, 0.5f, 0.35f, 0.95f, 0.15f, 0.6f, 1.0f, 0.45f];
        var c = v.Select((_, i) => 1f + i % 3).ToArray();
        var g = v.Select((_, i) => MathF.Sin(i + 1)).ToArray();
        const float beta = 2f;
        double k = 0.3 * c.Sum();
        var (_, m, _) = Fast(v, c, k, beta, 1e-7);
        var analytic = new float[v.Length];
        SoftTopK.Backward(m, c, g, beta, analytic);
        for (int j = 0; j < v.Length; j++)
        {
            const float h = 1e-2f;
            var vp = (float[])v.Clone(); vp[j] += h;
            var vm = (float[])v.Clone(); vm[j] -= h;
            // τ is held fixed: the soft mask does not depend on it (the budget fixes μ − βτ), only the hard mask does.
            double lp = Loss(vp), lm = Loss(vm);
            Assert.True(Math.Abs((lp - lm) / (2 * h) - analytic[j]) <= 2e-3 + 2e-2 * Math.Abs(analytic[j]), $"∂L/∂v[{j}]: FD {(lp - lm) / (2 * h)}, analytic {analytic[j]}");
        }

        double Loss(float[] values)
        {
            var u = values.Zip(c, (a, b) => a / b).ToArray();
            float tau = SoftTopK.Threshold(v.Zip(c, (a, b) => a / b).ToArray(), c, k, new float[v.Length], new float[v.Length]);
            var mask = new float[v.Length];
            SoftTopK.Shift(u, c, k, beta, tau, mask, 0, 200, 1e-7, out _);
            return mask.Select((x, i) => (double)x * g[i]).Sum();
        }
    }

    [Fact]
    public void BadInputIsRejectedWithTheReason()
    {
        var ex = Assert.Throws<ArgumentException>(() => Fast([1f, 2f], [1f, 1f], 3, 1f));
        Assert.Contains("must be in (0, 2]", ex.Message);
        Assert.Throws<ArgumentException>(() => new SoftTopKSolver(3).Solve(new float[2], new float[2], 1, 1f, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SoftTopKSolver(0));
    }
}
