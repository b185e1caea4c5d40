// MetricsCallback: appends each epoch's metrics line to the run's metrics.jsonl.
namespace Sprout.Training.Runs;

/// <summary>Writes metrics.jsonl.</summary>
public sealed class MetricsCallback(RunDirectory run) : ITrainingCallback
{
    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochResult result) => run.AppendMetrics(result);
}
