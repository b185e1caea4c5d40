// Empty and miscounted dataset files (issue 11, defects 6 and 11): a 0-item IDX file, an empty CIFAR batch, an
// empty digits CSV, a split with one record too many, and a truncated CIFAR .gz are each refused with one line
// that tells the truth about the file, instead of training on nothing and reporting "accuracy NaN%".
using Sprout.Data.Formats;
using Sprout.TestSupport;

namespace Sprout.Data.Tests.Formats;

public sealed class EmptyAndMiscountedTests : IDisposable
{
    private readonly TempDir _dir = new("sprout-empty");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void IdxFilesWithZeroItemsAreRefused()
    {
        string images = _dir.Write("i", Synthetic.IdxImages(0, 28, 28));
        string labels = _dir.Write("l", Synthetic.IdxLabels([]));
        Synthetic.AssertMessage(Assert.Throws<DataException>(() => IdxReader.ReadImages(images)), images, "0 images");
        Synthetic.AssertMessage(Assert.Throws<DataException>(() => IdxReader.ReadLabels(labels, 10)), labels, "0 labels");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnEmptyCifarBatchIsRefused(bool gzip)
    {
        string path = _dir.Write(gzip ? "test_batch.bin.gz" : "test_batch.bin", gzip ? Synthetic.Gzip([]) : []);
        Synthetic.AssertMessage(Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path])), path, "empty");
    }

    [Fact]
    public void AnEmptyDigitsCsvIsRefused()
    {
        string path = _dir.Write("digits.csv", "\n\n"u8.ToArray());
        Synthetic.AssertMessage(Assert.Throws<DataException>(() => DigitsCsvReader.Read(path)), path, "no records");
    }

    [Fact]
    public void ATruncatedCifarGzipReportsWhatItReallyHolds()
    {
        byte[] whole = Synthetic.Gzip(Synthetic.CifarRecords(3, labelBytes: 1));
        // Cut mid-stream: the last four bytes, read as the size trailer, are now compressed data.
        string path = _dir.Write("data_batch_1.bin.gz", Synthetic.Truncate(whole, whole.Length / 2));
        var e = Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path]));
        // The old message presented the garbage trailer as the file's size ("N bytes is not a whole number of records").
        Assert.DoesNotContain("is not a whole number", e.Message);
        Synthetic.AssertMessage(e, path, "truncated or corrupt");
    }

    [Fact]
    public void ASplitThatIsNotTheOfficialSizeIsRefused()
    {
        // Small synthetic CIFAR-10 batches stand in for a batch with an extra record: the count must match the format.
        for (int b = 1; b <= 5; b++) _dir.Write($"cifar-10-batches-bin/data_batch_{b}.bin", Synthetic.CifarRecords(2, 1));
        _dir.Write("cifar-10-batches-bin/test_batch.bin", Synthetic.CifarRecords(3, 1));
        var e = Assert.Throws<DataException>(() => DatasetRegistry.Load("cifar10", new DataOptions { DataDirectory = _dir.Path }));
        Synthetic.AssertMessage(e, "hold 10 samples, not the official 50000");
    }
}
