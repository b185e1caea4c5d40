// The report's and TensorBoard's callbacks cost the step loop nothing between topology updates: a training step
// with both attached allocates 0 bytes once warm, and an update step adds exactly one topology.jsonl line.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Reporting.TensorBoard;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.TestSupport;
using Sprout.Training;
using Sprout.Training.Logging;
using Sprout.Training.Runs;
using Sprout.Training.Sparsity;
using Sprout.Training.Tests;

namespace Sprout.Reporting.Tests;

public class LoggingAllocationTests
{
    [Fact]
    public void StepsBetweenUpdatesAllocateNothingAndAnUpdateWritesOneLine()
    {
        using var dir = new TempDir();
        var data = new Blobs(samples: 64, features: 8, classes: 3, batchSize: 16, shuffle: false);
        var model = SparseModels.Mlp(8, [16], 3, [0.5, 0.5], new Rng(1));
        var trainer = new Trainer(model, new Sgd(model.NamedParameters(), 0.05f, 0.9f));
        const int every = 200;
        trainer.Callbacks.Add(new SparsityCallback(new SparseTrainingDriver(model, new Set(), new UpdateSchedule(every, 10 * every, 0.3f), 1)));
        var run = RunDirectory.Create(dir.PathOf("run"), overwrite: false);
        trainer.Callbacks.Add(new TopologyLogCallback(run, [1, 2, 4]));
        using var tensorBoard = new TensorBoardCallback(dir.PathOf("tb"));
        trainer.Callbacks.Add(tensorBoard);
        foreach (var c in trainer.Callbacks) c.OnTrainStart(trainer);
        data.Reset(0);
        data.Next(out var x, out var labels, out int count);
        void Step() => trainer.TrainStep(x, labels, count, out _);
        for (int i = 0; i < 20; i++) Step();

        Assert.Equal(0, Allocations.OnceSettled(Step, calls: 5, windows: 20));
        string topology = run.PathOf(TopologyLogCallback.TopologyFile);
        Assert.Single(File.ReadAllLines(topology)); // the start line only: no update yet
        while (trainer.Step < every) Step();
        Assert.Equal(2, File.ReadAllLines(topology).Length);
        Assert.Contains("\"event\":\"update\"", File.ReadAllLines(topology)[1]);
    }
}
