// The README's library quick start, dense and sparse, as a test: if this stops compiling or training, the
// README is wrong. Synthetic data stands in for the README's `batches`.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests;

public class ReadmeQuickStartTests
{
    [Fact]
    public void SparseQuickStartTrainsAndRewires()
    {
        var rng = new Rng(42);
        var model = SparseModels.Build(f => Models.Mlp(784, [300, 100], 10, f), new DensityAllocationOptions(0.05), rng);
        var optimizer = new Sgd(model.NamedParameters(), learningRate: 0.1f, momentum: 0.9f, nesterov: true);
        var topology = new TopologyScheduler(model.SparseLayers(), new RigL(), UpdateSchedule.Cosine(every: 10, endStep: 45), seed: 42);
        var tape = new Tape();
        var x = new Tensor(32, 784);
        rng.FillUniform(x.Data, 0, 1);
        var labels = new int[32];
        for (int i = 0; i < 32; i++) labels[i] = i % 10;
        int nnz = model.SparseLayers().Sum(l => l.Topology.Nnz);
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), labels, 32);
            tape.Backward(loss);
            if (step == 0) first = loss[0];
            last = loss[0];
            optimizer.Step();
            topology.Step(optimizer.StepCount, optimizer);
            optimizer.ZeroGrad();
            tape.Reset();
        }
        Assert.Equal(4, topology.Updates);
        Assert.Equal(nnz, model.SparseLayers().Sum(l => l.Topology.Nnz));
        Assert.True(last < first, $"loss {first} → {last}");
    }
}
