// Every drop/grow method on a conv net: a ResNet-8 on random 3×8×8 images, built by SparseLayerFactory (CSR and masked
// conv layers, BatchNorm, residual adds), trained a few steps with a topology update every 3 steps. The invariants of
// the MLP tests: total nnz kept (per layer too, except where budget moves: sparse momentum's redistribution, global GSE), valid CSR without duplicates,
// masks and CSR in sync with zero weights off the mask, nothing changes off schedule, same seed → same topology.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Topology;

public class ConvMethodTests
{
    public static TheoryData<string, SparseLayerKind> Cases()
    {
        var data = new TheoryData<string, SparseLayerKind>();
        foreach (var m in new[] { "static", "set", "rigl", "gse-uniform", "gse-grabo", "gse-graest", "gse-uniform-global", "gse-grabo-global", "dstee", "snfs" })
            data.Add(m, SparseLayerKind.Csr);
        foreach (var m in new[] { "static", "set", "rigl", "gse-uniform", "gse-uniform-global", "dstee", "snfs" }) // GraBo/GraEst need the CSR layers' batch cache
            data.Add(m, SparseLayerKind.Masked);
        return data;
    }

    internal static ITopologyUpdater Make(string name) => name switch
    {
        "set" => new Set(),
        "rigl" => new RigL(blockFloats: 300), // several streaming blocks per conv layer
        "gse-uniform" => new Gse(CandidateDistribution.Uniform),
        "gse-grabo" => new Gse(CandidateDistribution.GraBo),
        "gse-graest" => new Gse(CandidateDistribution.GraEst),
        "gse-uniform-global" => new Gse(CandidateDistribution.Uniform, scope: TopologyScope.Global),
        "gse-grabo-global" => new Gse(CandidateDistribution.GraBo, scope: TopologyScope.Global),
        "dstee" => new DstEe(),
        "snfs" => new SparseMomentum(redistribute: true),
        _ => new StaticSparse(),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Invariants_HoldOnAResNet(string method, SparseLayerKind kind)
    {
        var run = new ConvHarness(kind, snfs: method == "snfs");
        var layers = run.Layers;
        Assert.Contains(layers, l => l.Geometry.IsConv);
        var scheduler = new TopologyScheduler(layers, Make(method), new UpdateSchedule(every: 3, endStep: 12, dropFraction: 0.3f), seed: 1);
        int[] nnz = layers.Select(l => l.Topology.Nnz).ToArray();
        var initial = run.Snapshot();
        bool movesBudget = method == "snfs" || method.EndsWith("-global", StringComparison.Ordinal);
        bool anyChange = false;
        for (int step = 1; step <= 13; step++)
        {
            run.TrainStep();
            var before = run.Snapshot();
            bool changed = scheduler.Step(step, run.Optimizer);
            var after = run.Snapshot();
            if (step % 3 != 0 || step >= 12) Assert.False(changed, $"step {step} is off schedule");
            anyChange |= changed;
            for (int i = 0; i < layers.Count; i++)
            {
                var l = layers[i];
                l.Topology.CheckInvariants();
                Assert.Equal(after[i].Length, after[i].Distinct().Count());
                if (!movesBudget) Assert.Equal(nnz[i], l.Topology.Nnz);
                if (!changed || method == "static") Assert.Equal(before[i], after[i]);
                if (l is MaskedConv2d m) AssertMaskInSync(m);
            }
            Assert.Equal(nnz.Sum(), layers.Sum(l => l.Topology.Nnz));
        }
        Assert.True(anyChange, $"{method} never ran an update");
        if (method == "static") Assert.Equal(initial, run.Snapshot());
        else Assert.NotEqual(initial, run.Snapshot());
        foreach (var l in layers) Assert.True(l.Topology.Nnz > 0);

        // Same seed → same topology.
        var again = new ConvHarness(kind, snfs: method == "snfs");
        var scheduler2 = new TopologyScheduler(again.Layers, Make(method), new UpdateSchedule(every: 3, endStep: 12, dropFraction: 0.3f), seed: 1);
        for (int step = 1; step <= 13; step++)
        {
            again.TrainStep();
            scheduler2.Step(step, again.Optimizer);
        }
        Assert.Equal(run.Snapshot(), again.Snapshot());
    }

    [Fact]
    public void RigL_GrowsTheSameOnCsrAndMaskedConvLayers()
    {
        var csr = new ConvHarness(SparseLayerKind.Csr);
        var masked = new ConvHarness(SparseLayerKind.Masked);
        Assert.Equal(csr.Snapshot(), masked.Snapshot());
        var s1 = new TopologyScheduler(csr.Layers, new RigL(blockFloats: 300, dropNoise: 0), new UpdateSchedule(every: 1, endStep: 10, dropFraction: 0.3f), seed: 1);
        var s2 = new TopologyScheduler(masked.Layers, new RigL(blockFloats: 300, dropNoise: 0), new UpdateSchedule(every: 1, endStep: 10, dropFraction: 0.3f), seed: 1);
        csr.TrainStep();
        masked.TrainStep();
        Assert.True(s1.Step(1, csr.Optimizer));
        Assert.True(s2.Step(1, masked.Optimizer));
        Assert.Equal(csr.Snapshot(), masked.Snapshot());
    }

    private static void AssertMaskInSync(MaskedConv2d m)
    {
        var mask = m.Mask.ToArray();
        var t = m.Topology;
        Assert.Equal(t.Nnz, mask.Count(v => v == 1f));
        for (int p = 0; p < t.Nnz; p++) Assert.Equal(1f, mask[t.LinearIndexOf(p)]);
        var w = m.Weight.ToArray();
        for (int i = 0; i < w.Length; i++)
            if (mask[i] == 0f) Assert.Equal(0f, w[i]);
    }
}

/// <summary>A sparse ResNet-8 on a fixed random batch of 3×8×8 images, for method tests on conv layers.</summary>
internal sealed class ConvHarness
{
    private readonly Tensor _x;
    private readonly int[] _labels;
    private readonly Tape _tape = new();
    private const int Batch = 4;

    public ConvHarness(SparseLayerKind kind, double density = 0.3, ulong seed = 5, bool snfs = false)
    {
        var shapes = RecordingLayerFactory.Record(f => ConvModels.Build("resnet8", f, 3, 8, 8, 10));
        var plan = new DensityPlan(shapes, shapes.Select(_ => density).ToArray());
        Model = ConvModels.Build("resnet8", new SparseLayerFactory(plan, new Rng(seed), kind), 3, 8, 8, 10);
        Layers = Model.LayersOf<ISparseLayer>().Select(l => l.Layer).ToArray();
        if (snfs)
            foreach (var l in Layers)
            {
                if (l is MaskedConv2d mc) mc.MaskGradients = false;
                if (l is MaskedLinear ml) ml.MaskGradients = false;
            }
        Optimizer = new Sgd(Model.NamedParameters(), 0.05f, momentum: 0.9f);
        _x = GradCheck.RandomTensor(seed + 1, Batch, 3 * 8 * 8);
        _labels = Enumerable.Range(0, Batch).Select(i => (int)((seed + (ulong)i * 7) % 10)).ToArray();
    }

    public ConvNet Model { get; }
    public IReadOnlyList<ISparseLayer> Layers { get; }
    public Sgd Optimizer { get; }

    public float TrainStep()
    {
        Model.ZeroGrad();
        Tensor loss;
        using (_tape.Record()) loss = Functional.CrossEntropy(Model.Forward(_x), _labels, Batch);
        _tape.Backward(loss);
        float value = loss[0];
        Optimizer.Step();
        _tape.Reset();
        return value;
    }

    public long[][] Snapshot() => Layers.Select(l => Enumerable.Range(0, l.Topology.Nnz).Select(l.Topology.LinearIndexOf).ToArray()).ToArray();
}
