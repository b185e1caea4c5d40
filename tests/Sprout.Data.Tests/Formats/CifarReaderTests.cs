// CifarReader on small synthetic batch files: layout (label byte(s) then channel-major pixels), several
// files concatenated in order, raw and gzip, CIFAR-100 fine/coarse labels, and the boundary errors.
using Sprout.Data.Formats;
using Sprout.TestSupport;

namespace Sprout.Data.Tests.Formats;

public class CifarReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsCifar10BatchesInOrder(bool gzip)
    {
        using var dir = new TempDir();
        byte[] first = Synthetic.CifarRecords(3, labelBytes: 1, firstImage: 0);
        byte[] second = Synthetic.CifarRecords(2, labelBytes: 1, firstImage: 3);
        string a = dir.Write(gzip ? "a.bin.gz" : "a.bin", gzip ? Synthetic.Gzip(first) : first);
        string b = dir.Write(gzip ? "b.bin.gz" : "b.bin", gzip ? Synthetic.Gzip(second) : second);

        Dataset data = CifarReader.ReadCifar10([a, b]);

        Assert.Equal(5, data.Count);
        Assert.Equal(new ImageShape(3, 32, 32), data.ImageShape);
        Assert.Equal([0, 1, 2, 3, 4], data.Labels);
        Assert.Equal("airplane", data.ClassNames[0]);
        // Channel ch, row r, column c of image i is pixel byte ch*1024 + r*32 + c of its record.
        foreach (int i in new[] { 0, 2, 4 })
            foreach (int p in new[] { 0, 31, 1024 + 5 * 32 + 7, 3071 })
                Assert.Equal(Synthetic.Pixel(i, p) / 255f, data.Sample(i)[p]);
    }

    [Theory]
    [InlineData(false, new[] { 0, 1, 2, 3 }, 100)]
    [InlineData(true, new[] { 0, 1, 2, 3 }, 20)]
    public void ReadsCifar100FineOrCoarseLabels(bool coarse, int[] expected, int classes)
    {
        using var dir = new TempDir();
        string path = dir.Write("train.bin", Synthetic.CifarRecords(4, labelBytes: 2));
        Dataset data = CifarReader.ReadCifar100(path, coarse);
        Assert.Equal(expected, data.Labels);
        Assert.Equal(classes, data.ClassCount);
        Assert.Equal(Synthetic.Pixel(3, 100) / 255f, data.Sample(3)[100]);
    }

    [Fact]
    public void PartialRecordIsReportedAsTruncated()
    {
        using var dir = new TempDir();
        byte[] bytes = Synthetic.CifarRecords(2, labelBytes: 1);
        string path = dir.Write("data_batch_1.bin", Synthetic.Truncate(bytes, bytes.Length - 100));
        var e = Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path]));
        Synthetic.AssertMessage(e, path, "6046 bytes", "not a whole number of 3073-byte CIFAR-10 records", "truncated", "download it again");
    }

    [Fact]
    public void Cifar100FileReadAsCifar10SaysSo()
    {
        using var dir = new TempDir();
        string path = dir.Write("train.bin", Synthetic.CifarRecords(3, labelBytes: 2));
        var e = Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path]));
        Synthetic.AssertMessage(e, path, "3074 would be CIFAR-100");
    }

    [Fact]
    public void TruncatedGzipBatchIsReported()
    {
        using var dir = new TempDir();
        byte[] whole = Synthetic.Gzip(Synthetic.CifarRecords(20, labelBytes: 1));
        string path = dir.Write("data_batch_1.bin.gz", Synthetic.Truncate(whole, whole.Length / 2));
        var e = Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path]));
        Synthetic.AssertMessage(e, path, "truncated");
    }

    [Fact]
    public void CorruptGzipBatchIsReported()
    {
        using var dir = new TempDir();
        byte[] bytes = Synthetic.Gzip(Synthetic.CifarRecords(4, labelBytes: 1));
        for (int i = 10; i < bytes.Length - 8; i++) bytes[i] = 0xFF;
        string path = dir.Write("data_batch_1.bin.gz", bytes);
        var e = Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path]));
        Synthetic.AssertMessage(e, path, "not a valid gzip stream");
    }

    [Fact]
    public void LabelOutOfRangeNamesTheRecord()
    {
        using var dir = new TempDir();
        byte[] bytes = Synthetic.CifarRecords(3, labelBytes: 1);
        bytes[2 * CifarReader.Cifar10RecordBytes] = 10;
        string path = dir.Write("data_batch_1.bin", bytes);
        var e = Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path]));
        Synthetic.AssertMessage(e, path, "label 10", "record 2", "out of range 0..9");
    }

    [Fact]
    public void MissingBatchSaysWhereAndHowToFix()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "data_batch_1.bin");
        var e = Assert.Throws<DataException>(() => CifarReader.ReadCifar10([path]));
        Synthetic.AssertMessage(e, path, "not found", "--data-dir");
    }

    [Fact]
    public void ClassNamesSkipBlankLinesAndCheckTheCount()
    {
        using var dir = new TempDir();
        string good = dir.Write("batches.meta.txt", "a\nb\n\n"u8.ToArray());
        Assert.Equal(["a", "b"], CifarReader.ReadClassNames(good, 2));
        var e = Assert.Throws<DataException>(() => CifarReader.ReadClassNames(good, 10));
        Synthetic.AssertMessage(e, good, "2 class names", "expected 10");
    }
}
