// SpectreProgressReporter: the interactive display: one progress bar per epoch whose label shows the
// running loss, accuracy and throughput, and a summary line per finished epoch printed above the bar.
// Used only on a real terminal; redirected output and --plain get PlainProgressReporter lines instead.
// It must be attached to a running Spectre progress context (see TrainRunner).
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Sprout.Training;
using Sprout.Training.Progress;

namespace Sprout.Cli.Display;

/// <summary>Progress bars on an ANSI terminal.</summary>
public sealed class SpectreProgressReporter(IAnsiConsole console) : IProgressReporter
{
    // Redrawing the label costs a string; ~10 updates a second is smooth and keeps the loop fast.
    private static readonly TimeSpan LabelInterval = TimeSpan.FromMilliseconds(100);

    private ProgressContext? _context;
    private ProgressTask? _task;
    private long _lastLabel;
    private int _epochs;

    /// <summary>Runs <paramref name="body"/> inside a live progress display that this reporter draws into.</summary>
    public T Run<T>(Func<T> body)
    {
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _context = context;
                try
                {
                    result = body();
                }
                finally
                {
                    _task?.StopTask();
                    _context = null;
                }
            });
        return result;
    }

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batches)
    {
        if (_context is null) return;
        _task = _context.AddTask(Label(epoch, epochs, null), maxValue: Math.Max(batches, 1));
        _lastLabel = Stopwatch.GetTimestamp();
    }

    /// <inheritdoc/>
    public void BatchCompleted(int epoch, int batch, double meanLoss, double accuracy, double samplesPerSecond)
    {
        if (_task is null) return;
        _task.Value = batch;
        if (Stopwatch.GetElapsedTime(_lastLabel) < LabelInterval) return;
        _lastLabel = Stopwatch.GetTimestamp();
        _task.Description = Label(epoch, 0, string.Create(CultureInfo.InvariantCulture,
            $"loss {meanLoss:F4}  acc {100 * accuracy:F2}%  {samplesPerSecond / 1000:F1}k samples/s"));
    }

    /// <inheritdoc/>
    public void EpochCompleted(EpochResult result, int epochs)
    {
        if (_task is not null)
        {
            _task.Value = _task.MaxValue;
            _task.StopTask();
            _task = null;
        }
        console.MarkupLine(Markup.Escape(PlainProgressReporter.FormatEpoch(result, epochs)));
    }

    private string Label(int epoch, int epochs, string? stats)
    {
        if (epochs > 0) _epochs = epochs;
        string head = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{_epochs}");
        return Markup.Escape(stats is null ? head : $"{head}  {stats}");
    }
}
