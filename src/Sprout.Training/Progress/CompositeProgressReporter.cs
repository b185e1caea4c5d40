// CompositeProgressReporter: forwards progress to several reporters (the console and train.log).
namespace Sprout.Training.Progress;

/// <summary>Sends every event to each of the given reporters, in order.</summary>
public sealed class CompositeProgressReporter(params IProgressReporter[] reporters) : IProgressReporter
{
    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batches)
    {
        foreach (var r in reporters) r.EpochStarted(epoch, epochs, batches);
    }

    /// <inheritdoc/>
    public void BatchCompleted(int epoch, int batch, double meanLoss, double accuracy, double samplesPerSecond)
    {
        foreach (var r in reporters) r.BatchCompleted(epoch, batch, meanLoss, accuracy, samplesPerSecond);
    }

    /// <inheritdoc/>
    public void EpochCompleted(EpochResult result, int epochs)
    {
        foreach (var r in reporters) r.EpochCompleted(result, epochs);
    }
}
