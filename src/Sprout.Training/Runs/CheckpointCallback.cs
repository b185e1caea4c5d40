// CheckpointCallback: writes last.safetensors after every epoch and best.safetensors whenever the test
// accuracy improves. Because the trainer throws on a non-finite loss before updating, last.safetensors
// is always the last good state.
using System.Globalization;
using Sprout.Training.Checkpoints;

namespace Sprout.Training.Runs;

/// <summary>Saves last/best checkpoints into a run directory.</summary>
public sealed class CheckpointCallback : ITrainingCallback
{
    /// <summary>Metadata key for the best test accuracy so far (restored on resume).</summary>
    public const string BestAccuracyKey = "sprout.best_test_accuracy";

    private readonly RunDirectory _run;
    private readonly IReadOnlyDictionary<string, string> _metadata;

    /// <summary>Creates the callback; <paramref name="metadata"/> is added to every checkpoint (e.g. the config).</summary>
    public CheckpointCallback(RunDirectory run, IReadOnlyDictionary<string, string>? metadata = null, double bestAccuracy = double.NegativeInfinity)
    {
        _run = run;
        _metadata = metadata ?? new Dictionary<string, string>();
        BestAccuracy = bestAccuracy;
    }

    /// <summary>Best test accuracy so far.</summary>
    public double BestAccuracy { get; private set; }

    /// <summary>The best accuracy recorded in a checkpoint's metadata, or −∞.</summary>
    public static double BestAccuracyOf(CheckpointInfo info) =>
        double.TryParse(info[BestAccuracyKey], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NegativeInfinity;

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochResult result)
    {
        bool improved = result.TestAccuracy > BestAccuracy;
        if (improved) BestAccuracy = result.TestAccuracy;
        var meta = new Dictionary<string, string>(_metadata)
        {
            [BestAccuracyKey] = BestAccuracy.ToString("R", CultureInfo.InvariantCulture),
            ["sprout.test_accuracy"] = result.TestAccuracy.ToString("R", CultureInfo.InvariantCulture),
        };
        string last = _run.RecordFile(RunDirectory.LastCheckpointFile);
        Checkpoint.Save(last, trainer, meta);
        if (improved)
        {
            // Copy then rename, so best.safetensors is never half-written.
            AtomicFile.Copy(last, _run.RecordFile(RunDirectory.BestCheckpointFile));
        }
    }
}
