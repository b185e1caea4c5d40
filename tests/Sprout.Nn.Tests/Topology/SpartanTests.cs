// Spartan: the reference soft mask meets the budget and its implicit backward matches finite differences; the
// sparsifier's masks equal the reference's on mixed block sizes, the hard forward keeps the budget (whole blocks in
// block mode), schedules and the fine-tune freeze behave as published, and steps allocate nothing.
using Sprout.Core;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Topology;

public class SpartanTests
{
    private static float[] Mask(float[] v, float[] c, double k, float beta, double tol = 1e-9, int iters = 1000)
    {
        var m = new float[v.Length];
        SoftTopK.Scalar.Forward(v, c, k, beta, m, new int[v.Length], new float[v.Length], iters, tol);
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
        SoftTopK.Scalar.Backward(m, c, g, beta, analytic);
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

    [Theory]
    [InlineData(SpartanAllocation.Global)]
    [InlineData(SpartanAllocation.Erk)]
    public void MasksMatchTheReferenceWithMixedBlockSizes(SpartanAllocation allocation)
    {
        // 12×18 takes 2×3 blocks (cost 6); 7×9 does not divide and falls back to 1×1 (cost 1).
        var w = new[] { Weight(12, 18, 5), Weight(7, 9, 6) };
        var sp = new Spartan(w, totalSteps: 50, density: 0.2, blockRows: 2, blockCols: 3, allocation: allocation, tolerance: 1e-6);
        for (int step = 0; step < 30; step++)
        {
            var original = w.Select(t => t.ToArray()).ToArray();
            var values = new[] { BlockSums(original[0], 12, 18, 2, 3), BlockSums(original[1], 7, 9, 1, 1) };
            var costs = new[] { Enumerable.Repeat(6f, 36).ToArray(), Enumerable.Repeat(1f, 63).ToArray() };
            sp.BeforeForward(step);
            var pools = allocation == SpartanAllocation.Global
                ? new[] { (values.SelectMany(x => x).ToArray(), costs.SelectMany(x => x).ToArray(), 0.2) }
                : [(values[0], costs[0], -1.0), (values[1], costs[1], -1.0)];
            var expectedMask = new List<float>();
            var expectedKept = new List<bool>();
            for (int p = 0; p < pools.Length; p++)
            {
                var (v, c, d) = pools[p];
                double density = d > 0 ? d : ErkDensity(p);
                double k = sp.CostFraction(step, density) * c.Sum();
                var m = new float[v.Length];
                float tau = k >= c.Sum() ? float.NegativeInfinity : SoftTopK.Scalar.Forward(v, c, k, sp.Beta(step, 6), m, new int[v.Length], new float[v.Length], 5000, 1e-10);
                if (k >= c.Sum()) Array.Fill(m, 1f);
                expectedMask.AddRange(m);
                expectedKept.AddRange(v.Select((x, i) => x / c[i] >= tau));
            }
            var actual = sp.SoftMask(0).ToArray().Concat(sp.SoftMask(1).ToArray()).ToArray();
            for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(actual[i] - expectedMask[i]) <= 1e-4, $"step {step}: m[{i}] = {actual[i]}, reference {expectedMask[i]}");
            Assert.Equal(expectedKept.Take(36).Count(x => x), sp.HardCount(0));
            Assert.Equal(expectedKept.Skip(36).Count(x => x), sp.HardCount(1));
            foreach (var t in w) new Rng((ulong)step).FillNormal(t.Grad, 0, 1);
            var expectedGrad = ExpectedGradients(w.Select(t => t.Grad.ToArray()).ToArray(), original, actual, costs, pools.Length == 1, sp.Beta(step, 6));
            sp.AfterBackward();
            for (int l = 0; l < 2; l++)
                for (int i = 0; i < w[l].Size; i++)
                    Assert.True(Math.Abs(w[l].Grad[i] - expectedGrad[l][i]) <= 1e-4 * (1 + Math.Abs(expectedGrad[l][i])), $"step {step}: layer {l} ∂L/∂w[{i}] = {w[l].Grad[i]}, expected {expectedGrad[l][i]}");
            foreach (var t in w) for (int i = 0; i < t.Size; i++) t.Data[i] -= 0.05f * t.Grad[i]; // an SGD step moves the mask
        }

        double ErkDensity(int layer)
        {
            // d_l = ε(in + out)/(in·out) with Σ d_l·N_l = 0.2·ΣN (neither layer reaches 1 here).
            double eps = 0.2 * (216 + 63) / (double)(12 + 18 + 7 + 9);
            return layer == 0 ? eps * 30 / 216 : eps * 16 / 63;
        }
    }

    // dL/dw = G⊙m + sign(w)·∂L/∂v with ∂L/∂v from the scalar backward of the block sums Σ G·w (layers 2×3 and 1×1 blocks).
    private static float[][] ExpectedGradients(float[][] g, float[][] w, float[] mask, float[][] costs, bool global, float beta)
    {
        var maskGrad = new[] { new float[36], new float[63] };
        for (int i = 0; i < 216; i++) maskGrad[0][i / 18 / 2 * 6 + i % 18 / 3] += g[0][i] * w[0][i];
        for (int i = 0; i < 63; i++) maskGrad[1][i] = g[1][i] * w[1][i];
        var dv = new float[mask.Length];
        var allCosts = costs.SelectMany(x => x).ToArray();
        var allMaskGrad = maskGrad.SelectMany(x => x).ToArray();
        if (global) SoftTopK.Scalar.Backward(mask, allCosts, allMaskGrad, beta, dv);
        else
            foreach (var (s, n) in new[] { (0, 36), (36, 63) })
                SoftTopK.Scalar.Backward(mask.AsSpan(s, n), allCosts.AsSpan(s, n), allMaskGrad.AsSpan(s, n), beta, dv.AsSpan(s, n));
        var result = new[] { new float[216], new float[63] };
        for (int i = 0; i < 216; i++) { int b = i / 18 / 2 * 6 + i % 18 / 3; result[0][i] = g[0][i] * mask[b] + MathF.Sign(w[0][i]) * dv[b]; }
        for (int i = 0; i < 63; i++) result[1][i] = g[1][i] * mask[36 + i] + MathF.Sign(w[1][i]) * dv[36 + i];
        return result;
    }

    private static float[] BlockSums(float[] w, int rows, int cols, int br, int bc)
    {
        var v = new float[rows / br * (cols / bc)];
        for (int i = 0; i < w.Length; i++) v[i / cols / br * (cols / bc) + i % cols / bc] += MathF.Abs(w[i]);
        return v;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 4)]
    public void StepsAllocateNothing(int br, int bc)
    {
        var w = new[] { Weight(64, 96, 7), Weight(32, 64, 8) };
        var sp = new Spartan(w, totalSteps: 40, density: 0.05, blockRows: br, blockCols: bc);
        void Step(int t)
        {
            sp.BeforeForward(t);
            foreach (var x in w) x.Grad.Fill(0.01f);
            sp.AfterBackward();
        }
        for (int t = 0; t < 10; t++) Step(t);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 10; t < 40; t++) Step(t); // through the budget ramp's end and the freeze
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
