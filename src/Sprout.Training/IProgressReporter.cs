// IProgressReporter: read-only progress events for a display (console progress bar, plain log lines).
// Separate from ITrainingCallback so display code never sees or changes the model. BatchCompleted is
// called every step, so implementations should throttle their own output.
namespace Sprout.Training;

/// <summary>Receives training progress for display.</summary>
public interface IProgressReporter
{
    /// <summary>An epoch's training pass begins.</summary>
    void EpochStarted(int epoch, int epochs, int batches);

    /// <summary>A batch finished; loss and accuracy are running means over the epoch so far.</summary>
    void BatchCompleted(int epoch, int batch, double meanLoss, double accuracy, double samplesPerSecond);

    /// <summary>An epoch, including its evaluation, finished.</summary>
    void EpochCompleted(EpochResult result, int epochs);
}
