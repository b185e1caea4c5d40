// RunData: what the report reads from one run folder: metrics.jsonl, summary.json, topology.jsonl and
// input_connections.json. Every file but metrics.jsonl is optional (a dense run has no topology), and unreadable
// lines are skipped as the metrics reader does, so a run cut short still gets a report.
using System.Text.Json;
using System.Text.Json.Nodes;
using Sprout.Training.Logging;
using Sprout.Training.Runs;

namespace Sprout.Reporting.Report;

/// <summary>The logged history of one training run.</summary>
public sealed class RunData
{
    private RunData(string path, string name) => (FullPath, Name) = (path, name);

    /// <summary>The run folder.</summary>
    public string FullPath { get; }

    /// <summary>The folder's name (used as the run's label).</summary>
    public string Name { get; }

    /// <summary>Per-epoch metrics.</summary>
    public IReadOnlyList<EpochPoint> Epochs { get; private set; } = [];

    /// <summary>summary.json, or null when the run has not finished.</summary>
    public JsonObject? Summary { get; private set; }

    /// <summary>topology.jsonl lines (empty for a dense run).</summary>
    public IReadOnlyList<TopologyPoint> Topology { get; private set; } = [];

    /// <summary>input_connections.json, or null.</summary>
    public InputMap? Inputs { get; private set; }

    /// <summary>"method" of summary.json, or "?".</summary>
    public string Method => Summary?["method"]?.GetValue<string>() ?? "?";

    /// <summary>True when <paramref name="path"/> holds a run's metrics.jsonl.</summary>
    public static bool IsRun(string path) => File.Exists(Path.Combine(path, RunDirectory.MetricsFile));

    /// <summary>Reads a run folder.</summary>
    /// <exception cref="InvalidDataException">The folder has no metrics.jsonl.</exception>
    public static RunData Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!IsRun(full)) throw new InvalidDataException($"{path} is not a Sprout run folder (no {RunDirectory.MetricsFile}); pass runs/<name> or a sweep folder of runs.");
        var run = new RunData(full, Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar)));
        run.Epochs = ReadLines(Path.Combine(full, RunDirectory.MetricsFile), ParseEpoch);
        string summary = Path.Combine(full, RunDirectory.SummaryFile);
        if (File.Exists(summary))
        {
            try { run.Summary = JsonNode.Parse(File.ReadAllText(summary)) as JsonObject; }
            catch (JsonException) { run.Summary = null; }
        }
        string topology = Path.Combine(full, TopologyLogCallback.TopologyFile);
        if (File.Exists(topology)) run.Topology = ReadLines(topology, ParseTopology);
        string inputs = Path.Combine(full, TopologyLogCallback.InputConnectionsFile);
        if (File.Exists(inputs)) run.Inputs = ParseInputs(File.ReadAllText(inputs));
        return run;
    }

    private static List<T> ReadLines<T>(string path, Func<JsonElement, T?> parse) where T : class
    {
        var list = new List<T>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && parse(doc.RootElement) is { } item) list.Add(item);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { }
        }
        return list;
    }

    private static double Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    private static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;

    private static EpochPoint? ParseEpoch(JsonElement e) =>
        !e.TryGetProperty("epoch", out var epoch) || !epoch.TryGetInt32(out int n) ? null
            : new EpochPoint(n, (long)Number(e, "step"), Number(e, "train_loss"), Number(e, "train_accuracy"), Number(e, "test_loss"),
                Number(e, "test_accuracy"), Number(e, "lr"));

    private static TopologyPoint? ParseTopology(JsonElement e)
    {
        if (!e.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array) return null;
        var list = layers.EnumerateArray().Select(l => new LayerPoint(l.GetProperty("name").GetString() ?? "", Int(l, "rows"), Int(l, "cols"), Int(l, "nnz"),
            Number(l, "density"), Int(l, "dropped"), Int(l, "grown"), Int(l, "regrown"))).ToList();
        return new TopologyPoint((long)Number(e, "step"), Int(e, "epoch"), e.TryGetProperty("event", out var ev) ? ev.GetString() ?? "" : "", list);
    }

    private static InputMap? ParseInputs(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var r = doc.RootElement;
            int[] Ints(string name) => r.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();
            int[]? shape = r.TryGetProperty("image_shape", out _) ? Ints("image_shape") : null;
            return new InputMap(r.GetProperty("layer").GetString() ?? "", shape, r.GetProperty("start_step").GetInt64(), Ints("start"),
                r.GetProperty("end_step").GetInt64(), Ints("end"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
