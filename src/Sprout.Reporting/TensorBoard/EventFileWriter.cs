// EventFileWriter: a TensorBoard event file (events.out.tfevents.<seconds>.<host>.sprout) holding Event messages
// generated from TensorBoard's own .proto definitions, framed as TFRecords. The first record is the file-version
// event TensorBoard expects; after that each call writes one Event with a Summary of scalars or one histogram.
using Google.Protobuf;
using Sprout.Reporting.TensorBoard.Protos;

namespace Sprout.Reporting.TensorBoard;

/// <summary>Writes scalar and histogram summaries in TensorBoard's event-file format.</summary>
public sealed class EventFileWriter : IDisposable
{
    /// <summary>The version string of the first event (as TensorFlow writes it).</summary>
    public const string FileVersion = "brain.Event:2";

    private readonly TfRecordWriter _records;
    private readonly Func<double> _clock;

    /// <summary>Creates <paramref name="directory"/> if needed and opens a new event file in it.</summary>
    /// <param name="directory">The TensorBoard log directory of this run (one run per directory).</param>
    /// <param name="clock">Seconds since the Unix epoch for wall_time (tests pass a fixed clock).</param>
    public EventFileWriter(string directory, Func<double>? clock = null)
    {
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        Directory.CreateDirectory(directory);
        double now = _clock();
        string name = $"events.out.tfevents.{(long)now}.{Environment.MachineName}.sprout";
        FilePath = Path.Combine(directory, name);
        for (int i = 1; File.Exists(FilePath); i++) FilePath = Path.Combine(directory, $"{name}.{i}");
        _records = new TfRecordWriter(new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read));
        Write(new Event { WallTime = now, FileVersion = FileVersion });
        _records.Flush();
    }

    /// <summary>The event file's path.</summary>
    public string FilePath { get; }

    /// <summary>Writes scalars (tag, value) as one event at <paramref name="step"/>.</summary>
    public void AddScalars(long step, IEnumerable<(string Tag, double Value)> values)
    {
        var summary = new Summary();
        foreach (var (tag, value) in values) summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        if (summary.Value.Count > 0) Write(new Event { WallTime = _clock(), Step = step, Summary = summary });
    }

    /// <summary>Writes a histogram of <paramref name="values"/> (<paramref name="buckets"/> equal-width buckets) at <paramref name="step"/>.</summary>
    public void AddHistogram(string tag, long step, ReadOnlySpan<float> values, int buckets = 30)
    {
        var histogram = Histogram(values, buckets);
        var summary = new Summary();
        summary.Value.Add(new Summary.Types.Value { Tag = tag, Histo = histogram });
        Write(new Event { WallTime = _clock(), Step = step, Summary = summary });
    }

    /// <summary>A HistogramProto of the values: count, sum, sum of squares, and equal-width buckets from min to max.</summary>
    public static HistogramProto Histogram(ReadOnlySpan<float> values, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, squares = 0;
        foreach (float v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            squares += (double)v * v;
        }
        var h = new HistogramProto { Num = values.Length, Sum = sum, SumSquares = squares };
        if (values.Length == 0) return h;
        h.Min = min;
        h.Max = max;
        double width = max > min ? (max - min) / buckets : 1;
        var counts = new double[buckets];
        foreach (float v in values) counts[Math.Min(buckets - 1, (int)((v - min) / width))]++;
        for (int i = 0; i < buckets; i++)
        {
            h.BucketLimit.Add(i == buckets - 1 ? max : min + (i + 1) * width);
            h.Bucket.Add(counts[i]);
        }
        return h;
    }

    /// <summary>Flushes written events to disk.</summary>
    public void Flush() => _records.Flush();

    /// <inheritdoc/>
    public void Dispose() => _records.Dispose();

    private void Write(Event e) => _records.Write(e.ToByteArray());
}
