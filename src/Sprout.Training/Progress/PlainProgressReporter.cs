// PlainProgressReporter: progress as plain text lines, for logs, CI and redirected output. One line per
// epoch, plus an in-epoch line at most every Interval (so long epochs still show life, short ones don't
// flood the log). It is the format of train.log too.
using System.Diagnostics;
using System.Globalization;

namespace Sprout.Training.Progress;

/// <summary>Writes progress as plain lines to a <see cref="TextWriter"/>.</summary>
public sealed class PlainProgressReporter(TextWriter output) : IProgressReporter
{
    private long _lastLine;
    private int _batches;

    /// <summary>Minimum time between in-epoch lines.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batches)
    {
        _batches = batches;
        _lastLine = Stopwatch.GetTimestamp();
    }

    /// <inheritdoc/>
    public void BatchCompleted(int epoch, int batch, double meanLoss, double accuracy, double samplesPerSecond)
    {
        if (Stopwatch.GetElapsedTime(_lastLine) < Interval) return;
        _lastLine = Stopwatch.GetTimestamp();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  epoch {epoch} {100.0 * batch / Math.Max(_batches, 1),3:F0}%  loss {meanLoss:F4}  acc {100 * accuracy:F2}%  {samplesPerSecond:F0} samples/s"));
    }

    /// <inheritdoc/>
    public void EpochCompleted(EpochResult r, int epochs) => output.WriteLine(FormatEpoch(r, epochs));

    /// <summary>The one-line summary of an epoch used by every reporter.</summary>
    public static string FormatEpoch(EpochResult r, int epochs)
    {
        int width = Math.Max(epochs, r.Epoch).ToString(CultureInfo.InvariantCulture).Length;
        string validation = r.ValidationAccuracy is double va
            ? string.Create(CultureInfo.InvariantCulture, $"  val_loss {r.ValidationLoss:F4}  val_acc {100 * va:F2}%")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {r.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(width)}{(epochs > 0 ? "/" + epochs.ToString(CultureInfo.InvariantCulture) : "")}  loss {r.TrainLoss:F4}  acc {100 * r.TrainAccuracy:F2}%{validation}  test_loss {r.TestLoss:F4}  test_acc {100 * r.TestAccuracy:F2}%  lr {r.LearningRate:G4}  {r.Seconds:F2}s  {r.SamplesPerSecond:F0} samples/s");
    }
}
