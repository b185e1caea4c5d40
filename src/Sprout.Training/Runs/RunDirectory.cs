// RunDirectory: the folder a training run writes (runs/<name>/): metrics.jsonl, summary.json,
// config.yaml, train.log and checkpoints. It owns the "never lose a user's file" rules: every file Sprout writes
// here is recorded in sprout.manifest first (RecordFile), --overwrite deletes only recorded files and refuses
// when anything else is in the folder, and a live run holds sprout.lock (RunLock) so a second process is
// refused. It does not decide what goes into the files (the trainer's callbacks and the CLI do).
using System.Text;
using System.Text.Json;

namespace Sprout.Training.Runs;

/// <summary>A run's output directory and its well-known files. Dispose it to release the folder's lock.</summary>
public sealed class RunDirectory : IDisposable
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
    /// <summary>The list of files Sprout wrote here (what --overwrite may delete).</summary>
    public const string ManifestFile = RunManifest.FileName;

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private static readonly JsonSerializerOptions SummaryJsonOptions =
        new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly RunManifest _manifest;
    private readonly RunLock? _lock;

    private RunDirectory(string path, RunManifest manifest, RunLock? runLock) => (FullPath, _manifest, _lock) = (path, manifest, runLock);

    /// <summary>Absolute path of the directory.</summary>
    public string FullPath { get; }

    /// <summary>Path of a file inside the run directory (nothing is recorded; use <see cref="RecordFile"/> before writing).</summary>
    public string PathOf(string fileName) => Path.Combine(FullPath, fileName);

    /// <summary>
    /// Records <paramref name="fileName"/> in sprout.manifest as written by Sprout and returns its full path. Every file a
    /// run writes must go through this (or WriteText/AppendMetrics/OpenLog, which call it) before it is created, so
    /// that --overwrite can later remove it and nothing else.
    /// </summary>
    public string RecordFile(string fileName)
    {
        _manifest.Record(fileName);
        return PathOf(fileName);
    }

    /// <summary>
    /// Creates a sub-run folder <paramref name="name"/> (e.g. a pruning round) with its own manifest, recorded in this
    /// one, sharing this folder's lock.
    /// </summary>
    public RunDirectory CreateChild(string name)
    {
        _manifest.Record(name + "/");
        string full = PathOf(name);
        Directory.CreateDirectory(full);
        return new RunDirectory(full, RunManifest.Load(full) ?? RunManifest.CreateEmpty(full), runLock: null);
    }

    /// <summary>
    /// Creates a fresh run directory and locks it. An existing non-empty directory is an error unless
    /// <paramref name="overwrite"/> is set; then the files listed in its sprout.manifest are deleted, and only if
    /// nothing else is in the folder (a mistyped --out can never delete a user's files).
    /// </summary>
    /// <exception cref="IOException">The directory exists and may not be replaced, or another process is using it; one line.</exception>
    public static RunDirectory Create(string path, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new IOException($"{full} is a file, not a folder; choose another --name/--out.");
        bool existed = Directory.Exists(full);
        if (!IsFree(full, ignoringLock: true) && !overwrite)
            throw new IOException($"Run directory {full} already exists; pass --overwrite to replace it, or choose another --name/--out.");
        Directory.CreateDirectory(full);
        var runLock = RunLock.Acquire(full);
        try
        {
            if (existed)
            {
                var owned = RunManifest.Owned(full, [RunLock.FileName], out string? foreign);
                if (foreign is not null && !IsFree(full, ignoringLock: true))
                    throw new IOException(foreign == full
                        ? $"Refusing to overwrite {full}: it has no {ManifestFile} listing the files Sprout wrote (not a run, or one from an older Sprout); delete it yourself or choose another --out."
                        : $"Refusing to overwrite {full}: {Path.GetRelativePath(full, foreign)} was not written by Sprout; move it away or choose another --out.");
                // The manifest goes last: a crash part-way leaves the remaining files still recorded as Sprout's.
                foreach (string entry in owned.OrderBy(e => Path.GetFileName(e) == ManifestFile && Path.GetDirectoryName(e) == full))
                {
                    if (entry.EndsWith(Path.DirectorySeparatorChar)) Directory.Delete(entry);
                    else if (Path.GetFileName(entry) != RunLock.FileName) File.Delete(entry);
                }
            }
            return new RunDirectory(full, RunManifest.CreateEmpty(full), runLock);
        }
        catch
        {
            runLock.Dispose();
            if (!existed) TryDeleteEmpty(full);
            throw;
        }
    }

    /// <summary>
    /// Reopens an existing run to continue it after epoch <paramref name="completedEpochs"/> (resume) and locks it:
    /// metrics lines for later epochs, written by the interrupted run, are dropped.
    /// </summary>
    /// <exception cref="RunFolderInUseException">Another live process is writing the run.</exception>
    public static RunDirectory Continue(string path, int completedEpochs)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(full);
        var runLock = RunLock.Acquire(full);
        var manifest = RunManifest.Load(full);
        if (manifest is null)
        {
            // A run from before manifests: its well-known files are Sprout's.
            manifest = RunManifest.CreateEmpty(full);
            foreach (string known in (string[])[MetricsFile, SummaryFile, ConfigFile, LogFile, LastCheckpointFile, BestCheckpointFile])
                if (File.Exists(Path.Combine(full, known))) manifest.Record(known);
        }
        var run = new RunDirectory(full, manifest, runLock);
        string metrics = run.PathOf(MetricsFile);
        if (File.Exists(metrics))
        {
            var kept = File.ReadAllLines(metrics).Where(line => MetricsJson.Parse(line) is { } m && m.Epoch <= completedEpochs);
            run.WriteText(MetricsFile, string.Concat(kept.Select(l => l + "\n")));
        }
        return run;
    }

    /// <summary>
    /// True when a run may be written at <paramref name="path"/> without replacing anything: the folder does not
    /// exist or is empty. `sprout train` and `sprout sweep` both decide with this; anything else needs --overwrite.
    /// </summary>
    public static bool IsFree(string path) => IsFree(path, ignoringLock: false);

    private static bool IsFree(string path, bool ignoringLock) =>
        !Directory.Exists(path) || !Directory.EnumerateFileSystemEntries(path).Any(e => !ignoringLock || Path.GetFileName(e) != RunLock.FileName);

    private static void TryDeleteEmpty(string path)
    {
        try { if (IsFree(path)) Directory.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Releases the folder's lock (sprout.lock is removed).</summary>
    public void Dispose() => _lock?.Dispose();

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
        File.AppendAllText(RecordFile(MetricsFile), MetricsJson.Line(result) + "\n", Utf8NoBom);

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

    /// <summary>Records and writes a text file in the run directory atomically (temporary file, then rename).</summary>
    public void WriteText(string fileName, string text)
    {
        string target = RecordFile(fileName), temp = target + ".tmp";
        try
        {
            File.WriteAllText(temp, text, Utf8NoBom);
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
    }

    /// <summary>Opens train.log for appending (auto-flushed, so a crash loses nothing).</summary>
    public StreamWriter OpenLog() => new(RecordFile(LogFile), append: true, Utf8NoBom) { AutoFlush = true };
}
