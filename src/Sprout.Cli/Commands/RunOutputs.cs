// RunOutputs: what `sprout train` writes besides metrics and checkpoints, chosen per invocation: the logs the run
// report reads (topology.jsonl, input_connections.json; always), TensorBoard event files (--tensorboard DIR, into
// DIR/<run name>/) and report.html at the end (unless --no-report). Kept out of TrainRunner so that file only
// gains three calls. A report that cannot be drawn is a warning, never a failed run.
using Sprout.Data;
using Sprout.Reporting.Report;
using Sprout.Reporting.TensorBoard;
using Sprout.Training;
using Sprout.Training.Logging;
using Sprout.Training.Runs;

namespace Sprout.Cli.Commands;

/// <summary>Optional outputs of a training run.</summary>
/// <param name="report">Write report.html into the run folder at the end.</param>
/// <param name="tensorBoard">TensorBoard log directory, or null for none.</param>
public sealed class RunOutputs(bool report = true, string? tensorBoard = null) : IDisposable
{
    private TensorBoardCallback? _tensorBoard;

    /// <summary>Whether report.html is written at the end.</summary>
    public bool Report { get; } = report;

    /// <summary>The TensorBoard log directory, or null.</summary>
    public string? TensorBoard { get; } = tensorBoard;

    /// <summary>Adds the logging callbacks to <paramref name="trainer"/> (after the method's own, so they see its updates).</summary>
    public void Attach(Trainer trainer, RunDirectory run, ImageShape image)
    {
        trainer.Callbacks.Add(new TopologyLogCallback(run, [image.Channels, image.Height, image.Width]));
        if (TensorBoard is null) return;
        try
        {
            _tensorBoard = new TensorBoardCallback(Path.Combine(TensorBoard, Path.GetFileName(run.FullPath)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot write TensorBoard logs under --tensorboard {TensorBoard}: {e.Message}", e);
        }
        trainer.Callbacks.Add(_tensorBoard);
    }

    /// <summary>Writes report.html (when enabled); returns the line to print, or null.</summary>
    public string? Finish(RunDirectory run)
    {
        _tensorBoard?.Dispose();
        string? tensorBoard = _tensorBoard is null ? null : $"tensorboard: tensorboard --logdir {TensorBoard}";
        if (!Report) return tensorBoard;
        string path = run.RecordFile(HtmlReport.FileName); // in sprout.manifest, so --overwrite may replace it
        try
        {
            HtmlReport.Write(path, [RunData.Load(run.FullPath)]);
            return $"report: {path}" + (tensorBoard is null ? "" : "\n" + tensorBoard);
        }
        // Whatever goes wrong while drawing (a missing native library or font, a full disk), the run itself succeeded.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"warning: report.html was not written ({e.GetType().Name}: {e.Message}); try `sprout report {run.FullPath}`.";
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _tensorBoard?.Dispose();
}
