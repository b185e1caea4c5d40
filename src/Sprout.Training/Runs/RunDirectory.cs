// RunDirectory: the folder a training run writes (runs/<name>/): metrics.jsonl, summary.json,
// config.yaml, train.log and checkpoints. It owns the "never overwrite a run by accident" rule and the
// file names; it does not decide what goes into them (the trainer's callbacks and the CLI do).
using System.Text;
using System.Text.Json;

namespace Sprout.Training.Runs;

/// <summary>A run's output directory and its well-known files.</summary>
public sealed class RunDirectory
{
    /// <summary>One JSON line per epoch.</summary>
    public const string MetricsFile = "metrics.jsonl";
    /// <summary>Final results and the resolved configuration.</summary>
    public const string SummaryFile = "summary.json";
    /// <summary>The resolved configuration, reusable with --config.</summary>
    public const string ConfigFile = "config.yaml";
    /// <summary>Plain-text log of the run.</summary>
    public const string LogFile = "train.log";
    /// <summary>Checkpoint written after every epoch.</summary>
    public const string LastCheckpointFile = "last.safetensors";
    /// <summary>Checkpoint of the epoch with the best test accuracy.</summary>
    public const string BestCheckpointFile = "best.safetensors";

    private static readonly string[] KnownFiles = [MetricsFile, SummaryFile, ConfigFile, LogFile, LastCheckpointFile, BestCheckpointFile];
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly JsonSerializerOptions SummaryJsonOptions =
        new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private RunDirectory(string path) => FullPath = path;

    /// <summary>Absolute path of the directory.</summary>
    public string FullPath { get; }

    /// <summary>Path of a file inside the run directory.</summary>
    public string PathOf(string fileName) => Path.Combine(FullPath, fileName);

    /// <summary>
    /// Creates a fresh run directory. An existing non-empty directory is an error unless
    /// <paramref name="overwrite"/> is set, in which case it is emptied first, but only if it looks like a
    /// Sprout run (so a mistyped --out can never delete unrelated files).
    /// </summary>
    /// <exception cref="IOException">The directory exists and may not be replaced; the message is one line.</exception>
    public static RunDirectory Create(string path, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        if (!IsFree(full))
        {
            if (!overwrite)
                throw new IOException($"Run directory {full} already exists; pass --overwrite to replace it, or choose another --name/--out.");
            if (!LooksLikeRun(full))
                throw new IOException($"Refusing to overwrite {full}: it does not look like a Sprout run directory (no {MetricsFile} or {ConfigFile}).");
            Directory.Delete(full, recursive: true);
        }
        Directory.CreateDirectory(full);
        return new RunDirectory(full);
    }

    /// <summary>
    /// Reopens an existing run to continue it after epoch <paramref name="completedEpochs"/> (resume):
    /// metrics lines for later epochs, written by the interrupted run, are dropped.
    /// </summary>
    public static RunDirectory Continue(string path, int completedEpochs)
    {
        var run = new RunDirectory(Path.GetFullPath(path));
        Directory.CreateDirectory(run.FullPath);
        string metrics = run.PathOf(MetricsFile);
        if (File.Exists(metrics))
        {
            var kept = File.ReadAllLines(metrics).Where(line => MetricsJson.Parse(line) is { } m && m.Epoch <= completedEpochs);
            File.WriteAllText(metrics, string.Concat(kept.Select(l => l + "\n")), Utf8NoBom);
        }
        return run;
    }

    /// <summary>
    /// True when a run may be written at <paramref name="path"/> without replacing anything: the folder does not
    /// exist or is empty. `sprout train` and `sprout sweep` both decide with this; anything else needs --overwrite.
    /// </summary>
    public static bool IsFree(string path) => !Directory.Exists(path) || !Directory.EnumerateFileSystemEntries(path).Any();

    /// <summary>True when the directory holds files a Sprout run writes (the only kind --overwrite may replace).</summary>
    public static bool LooksLikeRun(string path) => KnownFiles.Any(f => File.Exists(Path.Combine(path, f)));

    /// <summary>
    /// The default run name, "&lt;dataset&gt;-&lt;model&gt;-&lt;method&gt;-&lt;yyyyMMdd-HHmmss&gt;", with characters that
    /// are awkward in paths (':' and ',') replaced by '-'.
    /// </summary>
    public static string DefaultName(string dataset, string model, string method, DateTime time)
    {
        string raw = $"{dataset}-{model}-{method}-{time:yyyyMMdd-HHmmss}";
        var sb = new StringBuilder(raw.Length);
        foreach (char c in raw) sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        return sb.ToString();
    }

    /// <summary>Appends one epoch's line to metrics.jsonl.</summary>
    public void AppendMetrics(EpochResult result) =>
        File.AppendAllText(PathOf(MetricsFile), MetricsJson.Line(result) + "\n", Utf8NoBom);

    /// <summary>The readable lines of metrics.jsonl in file order (none when it does not exist).</summary>
    public IReadOnlyList<MetricsLine> ReadMetrics()
    {
        string metrics = PathOf(MetricsFile);
        if (!File.Exists(metrics)) return [];
        var lines = new List<MetricsLine>();
        foreach (string line in File.ReadLines(metrics))
            if (MetricsJson.Parse(line) is { } m) lines.Add(m);
        return lines;
    }

    /// <summary>Writes summary.json (indented, replacing any previous one).</summary>
    public void WriteSummary(RunSummary summary) =>
        WriteText(SummaryFile, summary.ToJson().ToJsonString(SummaryJsonOptions) + "\n");

    /// <summary>Writes a text file in the run directory atomically (temporary file, then rename).</summary>
    public void WriteText(string fileName, string text)
    {
        string target = PathOf(fileName), temp = target + ".tmp";
        File.WriteAllText(temp, text, Utf8NoBom);
        File.Move(temp, target, overwrite: true);
    }

    /// <summary>Opens train.log for appending (auto-flushed, so a crash loses nothing).</summary>
    public StreamWriter OpenLog() => new(PathOf(LogFile), append: true, Utf8NoBom) { AutoFlush = true };
}
