// MetricsJson: the one place that decides the field names and order of a metrics.jsonl line, so the
// file is stable for tools (pandas.read_json(lines=True), jq). Timing fields are last and are the only
// ones that differ between two runs with the same seed. Parse is the one reader of such a line.
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Sprout.Training.Runs;

/// <summary>Formats an <see cref="EpochResult"/> as one JSON line, and reads such a line back.</summary>
public static class MetricsJson
{
    /// <summary>Field names whose values depend on wall time (excluded when comparing runs).</summary>
    public static readonly IReadOnlyList<string> TimingFields = ["samples_per_second", "seconds", "eval_seconds"];

    /// <summary>One JSON object, no trailing newline.</summary>
    public static string Line(EpochResult r)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", r.Epoch);
            json.WriteNumber("step", r.Step);
            Number(json, "train_loss", r.TrainLoss);
            Number(json, "train_accuracy", r.TrainAccuracy);
            Number(json, "test_loss", r.TestLoss);
            Number(json, "test_accuracy", r.TestAccuracy);
            if (r.ValidationLoss is double vl) Number(json, "val_loss", vl);
            if (r.ValidationAccuracy is double va) Number(json, "val_accuracy", va);
            Number(json, "lr", r.LearningRate);
            json.WriteNumber("samples_per_second", Math.Round(r.SamplesPerSecond, 1));
            json.WriteNumber("seconds", Math.Round(r.Seconds, 4));
            json.WriteNumber("eval_seconds", Math.Round(r.EvalSeconds, 4));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Reads one line; null for a blank line or one that is not an object with an integer "epoch" (e.g. cut
    /// short by a crash). A missing or null number reads as NaN.
    /// </summary>
    public static MetricsLine? Parse(string line)
    {
        if (string.IsNullOrWhiteSpace(line)) return null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty("epoch", out var e) || !e.TryGetInt32(out int epoch)) return null;
            return new MetricsLine(epoch, Read(r, "test_accuracy"), Read(r, "test_loss"), Read(r, "seconds"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static double Read(JsonElement line, string name) =>
        line.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    // JSON has no NaN or infinity; a diverged evaluation is written as null.
    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
