// TinyRun: a sparse training run of a few epochs on Blobs, with the run directory's logging callbacks attached,
// so report and TensorBoard tests read files a real Trainer wrote (in well under a second).
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training;
using Sprout.Training.Logging;
using Sprout.Training.Runs;
using Sprout.Training.Sparsity;
using Sprout.Training.Tests;

namespace Sprout.Reporting.Tests;

internal static class TinyRun
{
    /// <summary>Trains a 8 → 16 → 3 SET MLP for <paramref name="epochs"/> epochs into <paramref name="directory"/>.</summary>
    public static IReadOnlyList<EpochResult> Train(string directory, int epochs = 4, IEnumerable<ITrainingCallback>? extra = null, ulong seed = 3)
    {
        var data = new Blobs(samples: 192, features: 8, classes: 3, batchSize: 16, seed: seed);
        var test = new Blobs(samples: 60, features: 8, classes: 3, batchSize: 60, seed: seed, shuffle: false);
        var model = SparseModels.Mlp(8, [16], 3, [0.5, 0.5], new Rng(seed));
        var trainer = new Trainer(model, new Sgd(model.NamedParameters(), 0.05f, 0.9f));
        var driver = new SparseTrainingDriver(model, new Set(), new UpdateSchedule(every: 6, endStep: 9 * epochs, dropFraction: 0.3f), seed);
        trainer.Callbacks.Add(new SparsityCallback(driver));
        var run = RunDirectory.Create(directory, overwrite: false);
        trainer.Callbacks.Add(new MetricsCallback(run));
        trainer.Callbacks.Add(new TopologyLogCallback(run, [1, 2, 4]));
        foreach (var c in extra ?? []) trainer.Callbacks.Add(c);
        return trainer.Fit(data, test, epochs);
    }
}
