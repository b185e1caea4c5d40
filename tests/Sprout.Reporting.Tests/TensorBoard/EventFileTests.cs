// Event files: TFRecord framing with masked CRC-32C, Event/Summary messages from TensorBoard's protos, and the
// values a real training run logged, read back record by record.
using Sprout.Reporting.TensorBoard;
using Sprout.Reporting.TensorBoard.Protos;
using Sprout.TestSupport;

namespace Sprout.Reporting.Tests.TensorBoard;

public class EventFileTests
{
    [Fact]
    public void MaskedCrcMatchesTheCrc32cCheckValue()
    {
        // CRC-32C("123456789") = 0xE3069283 (the catalogue check value); the mask rotates right by 15 and adds 0xa282ead8.
        uint crc = 0xE3069283u;
        uint expected = unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
        Assert.Equal(expected, TfRecordWriter.MaskedCrc("123456789"u8));
    }

    [Fact]
    public void ScalarsAndHistogramsRoundTrip()
    {
        using var dir = new TempDir();
        string path;
        using (var writer = new EventFileWriter(dir.Path, () => 1234.5))
        {
            writer.AddScalars(7, [("loss/train", 0.25), ("accuracy/test", 0.875)]);
            writer.AddHistogram("weights/1.weight", 7, [-1f, 0f, 0.5f, 2f], buckets: 3);
            path = writer.FilePath;
        }
        var events = TfRecordReader.ReadAll(path).Select(Event.Parser.ParseFrom).ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal(EventFileWriter.FileVersion, events[0].FileVersion);
        Assert.Equal(1234.5, events[0].WallTime);
        Assert.Equal(7, events[1].Step);
        Assert.Equal(["loss/train", "accuracy/test"], events[1].Summary.Value.Select(v => v.Tag));
        Assert.Equal([0.25f, 0.875f], events[1].Summary.Value.Select(v => v.SimpleValue));
        var h = events[2].Summary.Value.Single().Histo;
        Assert.Equal((-1.0, 2.0, 4.0, 1.5, 1 + 0.25 + 4.0), (h.Min, h.Max, h.Num, h.Sum, h.SumSquares));
        Assert.Equal([0.0, 1.0, 2.0], h.BucketLimit);
        Assert.Equal([1.0, 2.0, 1.0], h.Bucket);
        Assert.StartsWith("events.out.tfevents.1234.", Path.GetFileName(path));
    }

    [Fact]
    public void CorruptedRecordIsRejected()
    {
        using var dir = new TempDir();
        string path;
        using (var writer = new EventFileWriter(dir.Path))
        {
            writer.AddScalars(1, [("x", 1.0)]);
            path = writer.FilePath;
        }
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0x40; // inside the last record's payload
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => TfRecordReader.ReadAll(path).ToList());
        Assert.Contains("record 1 has a wrong data checksum", e.Message);
    }

    [Fact]
    public void TrainingRunLogsEpochMetricsDensityChurnAndHistograms()
    {
        using var dir = new TempDir();
        string logs = dir.PathOf("tb");
        TensorBoardCallback callback;
        IReadOnlyList<Sprout.Training.EpochResult> epochs;
        using (callback = new TensorBoardCallback(logs))
            epochs = TinyRun.Train(dir.PathOf("run"), epochs: 3, extra: [callback]);
        var events = TfRecordReader.ReadAll(callback.FilePath).Select(Event.Parser.ParseFrom).ToList();
        var scalars = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Where(v => v.ValueCase == Summary.Types.Value.ValueOneofCase.SimpleValue)
            .Select(v => (e.Step, v.Tag, v.SimpleValue))).ToList();
        foreach (var r in epochs)
        {
            Assert.Contains((r.Step, "loss/test", (float)r.TestLoss), scalars);
            Assert.Contains((r.Step, "accuracy/train", (float)r.TrainAccuracy), scalars);
            Assert.Contains((r.Step, "learning_rate", (float)r.LearningRate), scalars);
        }
        Assert.Contains(scalars, s => s.Tag == "density/1" && s.Step == 0 && s.SimpleValue > 0.4f && s.SimpleValue < 0.6f);
        var dropped = scalars.Where(s => s.Tag == "topology/1/dropped").ToList();
        Assert.NotEmpty(dropped);
        Assert.True(dropped[0].SimpleValue > 0); // the cosine-decayed fraction may round to 0 later on
        var histograms = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Where(v => v.Histo is not null).Select(v => (e.Step, v.Tag, v.Histo))).ToList();
        Assert.Equal(epochs.Count * 4, histograms.Count); // 1.weight, 1.bias, 3.weight, 3.bias per epoch
        var last = histograms.Last(h => h.Tag == "weights/1.weight").Histo;
        Assert.Equal(64, last.Num); // the active weights of a 16 × 8 layer at density 0.5
        Assert.Equal(last.Num, last.Bucket.Sum());
    }
}
