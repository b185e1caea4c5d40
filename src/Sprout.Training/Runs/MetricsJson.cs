// MetricsJson: the one place that decides the field names and order of a metrics.jsonl line, so the
// file is stable for tools (pandas.read_json(lines=True), jq). Timing fields are last and are the only
// ones that differ between two runs with the same seed.
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Sprout.Training.Runs;

/// <summary>Formats an <see cref="EpochResult"/> as one JSON line.</summary>
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
            json.WriteNumber("train_loss", r.TrainLoss);
            json.WriteNumber("train_accuracy", r.TrainAccuracy);
            json.WriteNumber("test_loss", r.TestLoss);
            json.WriteNumber("test_accuracy", r.TestAccuracy);
            if (r.ValidationLoss is double vl) json.WriteNumber("val_loss", vl);
            if (r.ValidationAccuracy is double va) json.WriteNumber("val_accuracy", va);
            json.WriteNumber("lr", r.LearningRate);
            json.WriteNumber("samples_per_second", Math.Round(r.SamplesPerSecond, 1));
            json.WriteNumber("seconds", Math.Round(r.Seconds, 4));
            json.WriteNumber("eval_seconds", Math.Round(r.EvalSeconds, 4));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
