// TensorBoardCallback: `sprout train --tensorboard DIR`. After every epoch it logs losses, accuracies, the learning
// rate and each sparse layer's density as scalars, and a histogram of every weight tensor (a sparse layer's active
// weights only); after every topology update it logs each layer's dropped, grown and regrown counts. The step loop
// pays a counter comparison; events are built only at epoch ends and updates.
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Training;
using Sprout.Training.Sparsity;

namespace Sprout.Reporting.TensorBoard;

/// <summary>Writes a run's metrics to a TensorBoard event file.</summary>
public sealed class TensorBoardCallback : ITrainingCallback, IDisposable
{
    private readonly EventFileWriter _writer;
    private IReadOnlyList<ISparseLayer> _layers = [];
    private TopologyScheduler? _scheduler;
    private int _updatesSeen;

    /// <summary>Opens a new event file in <paramref name="directory"/>.</summary>
    public TensorBoardCallback(string directory, Func<double>? clock = null) => _writer = new EventFileWriter(directory, clock);

    /// <summary>The event file being written.</summary>
    public string FilePath => _writer.FilePath;

    /// <inheritdoc/>
    public void OnTrainStart(Trainer trainer)
    {
        _layers = trainer.Model.SparseLayers();
        _scheduler = trainer.Callbacks.OfType<SparsityCallback>().Select(c => c.Driver.Scheduler).FirstOrDefault(s => s is not null);
        _updatesSeen = _scheduler?.Updates ?? 0;
        if (trainer.Step == 0) _writer.AddScalars(0, Densities());
    }

    /// <inheritdoc/>
    public void OnStepEnd(Trainer trainer, in StepInfo step)
    {
        if (_scheduler is null || _scheduler.Updates == _updatesSeen) return;
        _updatesSeen = _scheduler.Updates;
        var values = new List<(string, double)>();
        foreach (var u in _scheduler.LastUpdate)
        {
            values.Add(($"topology/{u.Layer}/dropped", u.Dropped));
            values.Add(($"topology/{u.Layer}/grown", u.Grown));
            values.Add(($"topology/{u.Layer}/regrown", u.Regrown));
        }
        _writer.AddScalars(step.Step, values);
    }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochResult r)
    {
        var values = new List<(string, double)>
        {
            ("loss/train", r.TrainLoss), ("loss/test", r.TestLoss),
            ("accuracy/train", r.TrainAccuracy), ("accuracy/test", r.TestAccuracy),
            ("learning_rate", r.LearningRate),
        };
        if (r.ValidationLoss is double vl) values.Add(("loss/validation", vl));
        if (r.ValidationAccuracy is double va) values.Add(("accuracy/validation", va));
        values.AddRange(Densities());
        _writer.AddScalars(r.Step, values);
        var sparse = _layers.ToDictionary(l => l.WeightParameter, l => l);
        foreach (var (name, tensor) in trainer.Model.NamedParameters())
        {
            if (sparse.TryGetValue(tensor, out var layer))
            {
                var active = new float[layer.Topology.Nnz];
                layer.ReadActiveWeights(active);
                _writer.AddHistogram("weights/" + name, r.Step, active);
            }
            else _writer.AddHistogram("weights/" + name, r.Step, tensor.Data);
        }
        _writer.Flush();
    }

    /// <inheritdoc/>
    public void OnTrainEnd(Trainer trainer) => _writer.Flush();

    /// <inheritdoc/>
    public void Dispose() => _writer.Dispose();

    private IEnumerable<(string, double)> Densities() => _layers.Select(l => ($"density/{l.LayerName}", l.Topology.Density));
}
