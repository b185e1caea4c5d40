// The scheduler stores a method's per-layer state under each layer's name, or "layer{i}" when a library user left the
// names empty (an empty scope would be the scheduler's own and two unnamed layers would collide); two layers with the
// same name are refused with a message that says what to change.
using Sprout.Core;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Nn.Tests.Sparse;

public class SchedulerCheckpointScopeTests
{
    private static TopologyScheduler Trained(out Sprout.Sparse.ISparseLayer[] layers)
    {
        var (model, opt, tape) = TopologyMethodTests.Build(SparseLayerKind.Csr);
        layers = model.SparseLayers().ToArray();
        foreach (var l in layers) l.LayerName = "";
        var scheduler = new TopologyScheduler(layers, new DstEe(), new UpdateSchedule(1, 100, 0.3f), seed: 3);
        for (int step = 1; step <= 2; step++)
        {
            TopologyMethodTests.TrainStep(model, opt, tape, step);
            scheduler.Step(step, opt);
            tape.Reset();
            opt.ZeroGrad();
        }
        return scheduler;
    }

    [Fact]
    public void UnnamedLayersGetIndexScopes()
    {
        var scheduler = Trained(out _);
        var state = new StateDict();
        scheduler.SaveState(state);
        var names = state.Entries.Select(e => e.Name).ToArray();
        Assert.Contains(names, n => n.StartsWith("layer0.", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("layer1.", StringComparison.Ordinal));
        var restored = Trained(out _);
        restored.LoadState(state);
        var again = new StateDict();
        restored.SaveState(again);
        Assert.Equal(names, again.Entries.Select(e => e.Name).ToArray());
        foreach (var e in state.Entries)
            Assert.Equal(e.Data, again.Entries.Single(a => a.Name == e.Name).Data);
    }

    [Fact]
    public void DuplicateNamesAreRefused()
    {
        var scheduler = Trained(out var layers);
        foreach (var l in layers) l.LayerName = "fc";
        var e = Assert.Throws<InvalidOperationException>(() => scheduler.SaveState(new StateDict()));
        Assert.Contains("distinct LayerName", e.Message);
    }
}
