// MethodHarness: a tiny sparse MLP trained on random data, so that topology-method tests can run real forward and
// backward passes (GSE and DST-EE need the cached batch) in milliseconds.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Topology;

namespace Sprout.Nn.Tests.Topology;

internal sealed class MethodHarness
{
    private readonly Tensor _x;
    private readonly int[] _labels;
    private readonly Tape _tape = new();

    public MethodHarness(ulong seed, SparseLayerKind kind = SparseLayerKind.Csr, double density = 0.2, int batch = 16,
        int inputs = 24, int hidden = 20, int classes = 6, bool maskGradients = true)
    {
        var rng = new Rng(seed);
        Model = SparseModels.Mlp(inputs, [hidden], classes, [density, density], rng, kind);
        Layers = Model.SparseLayers();
        foreach (var l in Layers)
            if (l is MaskedLinear m) m.MaskGradients = maskGradients;
        Optimizer = new Sgd(Model.NamedParameters(), 0.05f, momentum: 0.9f);
        _x = new Tensor(batch, inputs);
        rng.FillNormal(_x.Data, 0, 1);
        _labels = new int[batch];
        for (int i = 0; i < batch; i++) _labels[i] = rng.NextInt(classes);
        Batch = batch;
    }

    public Sequential Model { get; }
    public IReadOnlyList<ISparseLayer> Layers { get; }
    public Sgd Optimizer { get; }
    public int Batch { get; }

    /// <summary>One forward/backward/optimizer step; returns the loss.</summary>
    public float TrainStep()
    {
        Model.ZeroGrad();
        Tensor loss;
        using (_tape.Record()) loss = Ops.SoftmaxCrossEntropy(Model.Forward(_x), _labels, Batch);
        _tape.Backward(loss);
        float value = loss[0];
        Optimizer.Step();
        _tape.Reset();
        return value;
    }

    /// <summary>Trains <paramref name="steps"/> steps calling the scheduler after each; returns the number of updates.</summary>
    public int Run(TopologyScheduler scheduler, int steps)
    {
        int updates = 0;
        for (int s = 1; s <= steps; s++)
        {
            TrainStep();
            if (scheduler.Step(s, Optimizer)) updates++;
            foreach (var l in Layers) l.Topology.CheckInvariants();
        }
        return updates;
    }

    /// <summary>Linear indices of every layer's active set, for comparing topologies.</summary>
    public long[][] Snapshot() => Layers.Select(l => Enumerable.Range(0, l.Topology.Nnz).Select(l.Topology.LinearIndexOf).ToArray()).ToArray();
}
