// The rigl invariants for every method on both layer kinds: nnz exact, valid CSR without duplicates, mask and CSR in
// sync, nothing changes off schedule, drop fraction 0 changes nothing, new weights and their optimizer state are 0,
// same seed → same topology; and RigL picks the same growth on SparseLinear and MaskedLinear.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

public class TopologyMethodTests
{
    public static TheoryData<string, SparseLayerKind> Cases() => new()
    {
        { "set", SparseLayerKind.Csr }, { "set", SparseLayerKind.Masked },
        { "rigl", SparseLayerKind.Csr }, { "rigl", SparseLayerKind.Masked },
        { "static", SparseLayerKind.Csr }, { "static", SparseLayerKind.Masked },
    };

    internal static ITopologyUpdater Make(string name) => name switch
    {
        "set" => new Set(),
        "rigl" => new RigL(blockFloats: 50), // small blocks so the streaming path crosses several blocks
        _ => new StaticSparse(),
    };

    internal static (Sequential Model, Sgd Opt, Tape Tape) Build(SparseLayerKind kind, ulong seed = 7)
    {
        var model = SparseModels.Mlp(12, [20], 5, [0.3, 0.4], new Rng(seed), kind);
        return (model, new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f), new Tape());
    }

    internal static void TrainStep(Sequential model, Sgd opt, Tape tape, int step)
    {
        var x = GradCheck.RandomTensor((ulong)(100 + step), 8, 12);
        var labels = Enumerable.Range(0, 8).Select(i => (i + step) % 5).ToArray();
        Tensor loss;
        using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, 8);
        tape.Backward(loss);
        opt.Step();
    }

    private static void EndStep(Sgd opt, Tape tape)
    {
        opt.ZeroGrad();
        tape.Reset();
    }

    private static long[] Keys(ISparseLayer l)
    {
        var t = l.Topology;
        return Enumerable.Range(0, t.Nnz).Select(p => t.LinearIndexOf(p)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Invariants_HoldThroughTraining(string method, SparseLayerKind kind)
    {
        var (model, opt, tape) = Build(kind);
        var layers = model.SparseLayers();
        var scheduler = new TopologyScheduler(layers, Make(method), new UpdateSchedule(every: 3, endStep: 12, dropFraction: 0.5f), seed: 1);
        int[] nnz = layers.Select(l => l.Topology.Nnz).ToArray();
        for (int step = 1; step <= 15; step++)
        {
            TrainStep(model, opt, tape, step);
            var before = layers.Select(Keys).ToArray();
            bool changed = scheduler.Step(step, opt);
            Assert.Equal(step % 3 == 0 && step < 12, changed); // cosine decay reaches 0 at T_end = 12
            for (int i = 0; i < layers.Count; i++)
            {
                var l = layers[i];
                l.Topology.CheckInvariants();
                Assert.Equal(nnz[i], l.Topology.Nnz);
                var after = Keys(l);
                Assert.Equal(after.Length, after.Distinct().Count());
                if (!changed || method == "static") Assert.Equal(before[i], after);
                else Assert.NotEqual(before[i], after);
                if (l is MaskedLinear m) AssertMaskInSync(m);
                if (changed) AssertGrownAreZero(l, before[i], opt);
            }
            EndStep(opt, tape);
        }
    }

    [Theory]
    [InlineData("set")]
    [InlineData("rigl")]
    public void DropFractionZero_ChangesNothing(string method)
    {
        var (model, opt, tape) = Build(SparseLayerKind.Csr);
        var layers = model.SparseLayers();
        var scheduler = new TopologyScheduler(layers, Make(method), new UpdateSchedule(1, 100, 0f), seed: 1);
        var before = layers.Select(Keys).ToArray();
        var weights = layers.Select(l => l.Topology.Values.ToArray()).ToArray();
        for (int step = 1; step <= 3; step++)
        {
            TrainStep(model, opt, tape, step);
            weights = layers.Select(l => l.Topology.Values.ToArray()).ToArray();
            Assert.False(scheduler.Step(step, opt));
            EndStep(opt, tape);
        }
        Assert.Equal(before, layers.Select(Keys).ToArray());
        Assert.Equal(weights, layers.Select(l => l.Topology.Values.ToArray()).ToArray());
    }

    [Theory]
    [InlineData("set")]
    [InlineData("rigl")]
    public void SameSeed_SameTopology(string method)
    {
        long[][] Run()
        {
            var (model, opt, tape) = Build(SparseLayerKind.Csr);
            var layers = model.SparseLayers();
            var scheduler = new TopologyScheduler(layers, Make(method), UpdateSchedule.Cosine(2, 10), seed: 5);
            for (int step = 1; step <= 10; step++)
            {
                TrainStep(model, opt, tape, step);
                scheduler.Step(step, opt);
                EndStep(opt, tape);
            }
            return layers.Select(Keys).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void RigL_SameGrowthOnSparseAndMaskedLayers()
    {
        // Same topology, same weights, same batch: the dense gradient, hence the grown set, must agree.
        var results = new List<long[][]>();
        foreach (var kind in new[] { SparseLayerKind.Csr, SparseLayerKind.Masked })
        {
            var (model, opt, tape) = Build(kind, seed: 11);
            var layers = model.SparseLayers();
            var scheduler = new TopologyScheduler(layers, new RigL(dropNoise: 0f), new UpdateSchedule(1, 10, 0.3f, FractionDecay.Constant), seed: 3);
            TrainStep(model, opt, tape, 1);
            Assert.True(scheduler.Step(1, opt));
            results.Add(layers.Select(Keys).ToArray());
        }
        Assert.Equal(results[0], results[1]);
    }

    [Fact]
    public void RigL_GrowsTheLargestGradientPositions()
    {
        var (model, opt, tape) = Build(SparseLayerKind.Masked, seed: 13);
        var layer = (MaskedLinear)model.SparseLayers()[0];
        TrainStep(model, opt, tape, 1);
        var grad = layer.DenseGradient.ToArray();
        var active = Keys(layer).ToHashSet();
        int k = (int)(0.2f * layer.Topology.Nnz);
        var expected = Enumerable.Range(0, grad.Length).Where(i => !active.Contains(i))
            .OrderByDescending(i => MathF.Abs(grad[i])).Take(k).ToHashSet();
        var scheduler = new TopologyScheduler([layer], new RigL(dropNoise: 0f), new UpdateSchedule(1, 10, 0.2f, FractionDecay.Constant), seed: 3);
        scheduler.Step(1, opt);
        var after = Keys(layer).ToHashSet();
        // Regrowing just-dropped weights is allowed, so every strict newcomer must be among the top inactive gradients.
        var newcomers = after.Where(x => !active.Contains(x)).Select(x => (int)x).ToArray();
        Assert.NotEmpty(newcomers);
        Assert.All(newcomers, x => Assert.Contains(x, expected));
    }

    private static void AssertMaskInSync(MaskedLinear m)
    {
        var mask = m.Mask.ToArray();
        var t = m.Topology;
        Assert.Equal(t.Nnz, mask.Count(v => v == 1f));
        for (int p = 0; p < t.Nnz; p++) Assert.Equal(1f, mask[t.LinearIndexOf(p)]);
        var w = m.Weight.ToArray();
        for (int i = 0; i < w.Length; i++)
            if (mask[i] == 0f) Assert.Equal(0f, w[i]);
    }

    private static void AssertGrownAreZero(ISparseLayer l, long[] before, Sgd opt)
    {
        var old = before.ToHashSet();
        var t = l.Topology;
        var w = new float[t.Nnz];
        var mom = new float[t.Nnz];
        l.ReadActiveWeights(w);
        Assert.True(l.ReadActiveState(opt, "momentum", mom));
        for (int p = 0; p < t.Nnz; p++)
        {
            if (old.Contains(t.LinearIndexOf(p))) continue;
            Assert.Equal(0f, w[p]);
            Assert.Equal(0f, mom[p]);
        }
    }
}
