// GSE: the samplers draw from p(j,i) = g_j·f_i (chi-square), GraEst's sketch is unbiased, the alias table is exact,
// updates keep nnz and CSR validity, grow at zero with zero momentum, follow the schedule and the seed, and choose
// the best sampled candidates by |∇|.
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Topology;

public class GseTests
{
    [Fact]
    public void AliasTableMatchesWeights()
    {
        float[] w = [0f, 1f, 2f, 3f, 0.5f, 7f, 0.25f];
        var table = new AliasTable();
        table.Build(w);
        var rng = new Rng(3);
        const int draws = 200_000;
        var counts = new long[w.Length];
        for (int i = 0; i < draws; i++) counts[table.Sample(rng)]++;
        double sum = w.Sum();
        var p = w.Select(v => v / sum).ToArray();
        Assert.Equal(0, counts[0]);
        Assert.True(ChiSquare.Statistic(counts, p, draws) < ChiSquare.Critical(w.Length - 2));
    }

    [Fact]
    public void AliasTableRejectsNegativeWeights() =>
        Assert.Contains("≥ 0", Assert.Throws<ArgumentException>(() => new AliasTable().Build([1f, -1f])).Message);

    /// <summary>A SparseLinear after one backward of Σ y⊙R, so that δ = R and h = x are known exactly.</summary>
    private static (SparseLinear Layer, float[] X, float[] Delta) LayerWithKnownBatch(int batch, int inF, int outF)
    {
        var layer = new SparseLinear(inF, outF, 0.3, new Rng(1));
        var x = GradCheck.RandomTensor(4, batch, inF);
        for (int i = 0; i < x.Size; i++) x.Data[i] = MathF.Abs(x.Data[i]) * (i % 3 == 0 ? 0f : 1f); // ReLU-like inputs with zeros
        var tape = new Tape();
        Tensor loss;
        using (tape.Record()) loss = GradCheck.WeightedSum(layer.Forward(x), 5);
        tape.Backward(loss);
        var delta = GradCheck.RandomTensor(5, batch, outF).ToArray();
        return (layer, x.ToArray(), delta);
    }

    [Theory]
    [InlineData(CandidateDistribution.Uniform)]
    [InlineData(CandidateDistribution.GraBo)]
    public void SamplerDrawsFromRankOneDistribution(CandidateDistribution distribution)
    {
        const int batch = 8, inF = 6, outF = 5;
        var (layer, x, delta) = LayerWithKnownBatch(batch, inF, outF);
        var a = new double[inF];
        var b = new double[outF];
        for (int s = 0; s < batch; s++)
        {
            for (int i = 0; i < inF; i++) a[i] += distribution == CandidateDistribution.Uniform ? 1 : Math.Abs(x[s * inF + i]);
            for (int j = 0; j < outF; j++) b[j] += distribution == CandidateDistribution.Uniform ? 1 : Math.Abs(delta[s * outF + j]);
        }
        double sa = a.Sum(), sb = b.Sum();
        var p = new double[outF * inF];
        for (int j = 0; j < outF; j++)
            for (int i = 0; i < inF; i++) p[j * inF + i] = b[j] / sb * (a[i] / sa);

        var sampler = new CandidateSampler(distribution);
        var rng = new Rng(9);
        sampler.Prepare(layer, rng);
        const int draws = 300_000;
        var counts = new long[p.Length];
        for (int d = 0; d < draws; d++)
        {
            sampler.Draw(rng, out int r, out int c);
            counts[r * inF + c]++;
        }
        double chi = ChiSquare.Statistic(counts, p, draws);
        Assert.True(chi < ChiSquare.Critical(p.Length - 1), $"χ² = {chi:0.0} for {distribution}");
    }

    [Fact]
    public void GraEstSketchIsUnbiased()
    {
        const int batch = 6, inF = 4, outF = 3;
        var (layer, x, delta) = LayerWithKnownBatch(batch, inF, outF);
        var a = new float[inF];
        var b = new float[outF];
        var signs = new float[batch];
        var mean = new double[outF * inF];
        var rng = new Rng(11);
        const int draws = 40_000;
        for (int d = 0; d < draws; d++)
        {
            for (int s = 0; s < batch; s++) signs[s] = (rng.NextUInt64() & 1) == 0 ? 1f : -1f;
            layer.BatchStatistics(signs, a, b);
            for (int j = 0; j < outF; j++)
                for (int i = 0; i < inF; i++) mean[j * inF + i] += (double)a[i] * b[j] / draws;
        }
        var rows = new int[outF * inF];
        var cols = new int[outF * inF];
        for (int k = 0; k < rows.Length; k++) (rows[k], cols[k]) = (k / inF, k % inF);
        var exact = new float[rows.Length];
        layer.GradientsAt(rows, cols, exact);
        double scale = exact.Max(v => Math.Abs(v));
        for (int k = 0; k < exact.Length; k++)
        {
            double direct = 0;
            for (int s = 0; s < batch; s++) direct += delta[s * outF + rows[k]] * x[s * inF + cols[k]];
            Assert.Equal(direct, exact[k], 3);
            Assert.True(Math.Abs(mean[k] - exact[k]) < 0.05 * scale, $"entry {k}: mean sketch {mean[k]:0.0000} vs gradient {exact[k]:0.0000}");
        }
    }

    [Fact]
    public void SubsetHasDistinctInactivePositionsOfRequestedSize()
    {
        var h = new MethodHarness(1);
        h.TrainStep();
        var layer = h.Layers[0];
        var sampler = new CandidateSampler(CandidateDistribution.GraBo, subsetFactor: 1.5f);
        int n = sampler.Sample(layer, new Rng(2));
        Assert.Equal(sampler.SubsetSize(layer.Topology.Nnz), n);
        var seen = new HashSet<long>();
        for (int i = 0; i < n; i++)
        {
            Assert.False(layer.Topology.IsActive(sampler.Rows[i], sampler.Cols[i]));
            Assert.True(seen.Add((long)sampler.Rows[i] * layer.Topology.Cols + sampler.Cols[i]));
        }
    }

    [Theory]
    [InlineData(CandidateDistribution.Uniform)]
    [InlineData(CandidateDistribution.GraBo)]
    [InlineData(CandidateDistribution.GraEst)]
    public void UpdatesKeepNnzAndInitializeGrownAtZero(CandidateDistribution distribution)
    {
        var h = new MethodHarness(2);
        var nnz = h.Layers.Select(l => l.Topology.Nnz).ToArray();
        var before = h.Snapshot();
        var scheduler = new TopologyScheduler(h.Layers, new Gse(distribution), new UpdateSchedule(5, 40, 0.3f), seed: 7);
        var grownCheck = false;
        for (int s = 1; s <= 40; s++)
        {
            h.TrainStep();
            var pre = h.Snapshot();
            bool changed = scheduler.Step(s, h.Optimizer);
            Assert.Equal(s % 5 == 0 && s < 40, changed); // at T_end the cosine fraction is 0
            var post = h.Snapshot();
            for (int l = 0; l < h.Layers.Count; l++)
            {
                var layer = (SparseLinear)h.Layers[l];
                Assert.Equal(nnz[l], layer.Topology.Nnz);
                Assert.Equal(post[l].Length, post[l].Distinct().Count());
                if (!changed) { Assert.Equal(pre[l], post[l]); continue; }
                var old = pre[l].ToHashSet();
                var momentum = h.Optimizer.FindState(layer.Values, "momentum")!;
                for (int p = 0; p < layer.Topology.Nnz; p++)
                {
                    if (old.Contains(post[l][p])) continue;
                    Assert.Equal(0f, layer.Values[p]);
                    Assert.Equal(0f, momentum[p]);
                    grownCheck = true;
                }
            }
        }
        Assert.True(grownCheck);
        Assert.NotEqual(before[0], h.Snapshot()[0]);
    }

    [Fact]
    public void SameSeedSameTopology()
    {
        long[][] RunOnce(ulong topoSeed)
        {
            var h = new MethodHarness(3);
            h.Run(new TopologyScheduler(h.Layers, new Gse(CandidateDistribution.GraEst), new UpdateSchedule(4, 30, 0.3f), topoSeed), 30);
            return h.Snapshot();
        }
        var a = RunOnce(5);
        var b = RunOnce(5);
        var c = RunOnce(6);
        Assert.Equal(a, b);
        Assert.NotEqual(a[0], c[0]);
    }

    [Fact]
    public void GrowsTheBestSampledCandidates()
    {
        var h = new MethodHarness(4);
        h.TrainStep();
        var layer = h.Layers[0];
        var gse = new Gse();
        var context = new TopologyContext(1);
        var candidates = new GrowthCandidates();
        gse.GrowCandidates(layer, context, 5, candidates);
        var g = new float[candidates.Count];
        layer.GradientsAt(candidates.Rows, candidates.Cols, g);
        for (int i = 0; i < g.Length; i++) Assert.Equal(MathF.Abs(g[i]), candidates.Scores[i]);
        Assert.Equal(gse.Sampler.SubsetSize(layer.Topology.Nnz), candidates.Count);
    }

    [Fact]
    public void GraBoOnMaskedLinearSaysWhatToDo()
    {
        var h = new MethodHarness(5, SparseLayerKind.Masked);
        h.TrainStep();
        var e = Assert.Throws<InvalidOperationException>(() => new CandidateSampler(CandidateDistribution.GraBo).Sample(h.Layers[0], new Rng(1)));
        Assert.Contains("SparseLinear", e.Message);
    }
}
