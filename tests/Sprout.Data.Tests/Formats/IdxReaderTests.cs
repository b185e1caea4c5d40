// IdxReader on small synthetic files: round trips (raw and gzip) and every boundary error, each checked for
// a one-line message that names the file and the problem.
using Sprout.Data.Formats;
using Sprout.TestSupport;

namespace Sprout.Data.Tests.Formats;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTripsImagesAndLabels(bool gzip)
    {
        using var dir = new TempDir();
        byte[] images = Synthetic.IdxImages(5, 3, 4);
        byte[] labels = Synthetic.IdxLabels([3, 1, 4, 1, 5]);
        string imagesPath = dir.Write(gzip ? "i.gz" : "i", gzip ? Synthetic.Gzip(images) : images);
        string labelsPath = dir.Write(gzip ? "l.gz" : "l", gzip ? Synthetic.Gzip(labels) : labels);

        Dataset data = IdxReader.ReadDataset("t", imagesPath, labelsPath, classCount: 10);

        Assert.Equal(new ImageShape(1, 3, 4), data.ImageShape);
        Assert.Equal([3, 1, 4, 1, 5], data.Labels);
        for (int i = 0; i < 5; i++)
            for (int p = 0; p < 12; p++) Assert.Equal(Synthetic.Pixel(i, p) / 255f, data.Sample(i)[p]);
    }

    [Fact]
    public void ConvertsEveryByteValueExactly()
    {
        // 256 images of 1x1 with pixel i, plus a long tail so both the SIMD and scalar paths run.
        using var dir = new TempDir();
        byte[] bytes = Synthetic.IdxImages(1000, 1, 1);
        for (int i = 0; i < 1000; i++) bytes[16 + i] = (byte)(i % 256);
        Sprout.Core.Tensor t = IdxReader.ReadImages(dir.Write("i", bytes));
        for (int i = 0; i < 1000; i++) Assert.Equal((i % 256) / 255f, t[i]);
    }

    [Fact]
    public void MissingFileSaysWhereAndHowToFix()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "nope-idx3-ubyte");
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "not found", "--data-dir", "SPROUT_DATA", "sprout data download");
    }

    [Fact]
    public void LabelsFileReadAsImagesIsWrongMagic()
    {
        using var dir = new TempDir();
        string path = dir.Write("l", Synthetic.IdxLabels([1, 2]));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "wrong magic", "0x00000801", "0x00000803", "labels file");
    }

    [Fact]
    public void GarbageMagicIsReported()
    {
        using var dir = new TempDir();
        string path = dir.Write("l", Synthetic.IdxLabels([1, 2], magic: 0x12345678));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path, 10));
        Synthetic.AssertMessage(e, path, "wrong magic", "0x12345678", "not an unsigned-byte IDX file");
    }

    [Fact]
    public void ZeroRowsIsWrongDimensions()
    {
        using var dir = new TempDir();
        string path = dir.Write("i", Synthetic.IdxImages(2, 0, 4));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "wrong dimensions", "2 images of 0x4");
    }

    [Fact]
    public void HugeHeaderIsWrongDimensionsNotOutOfMemory()
    {
        using var dir = new TempDir();
        byte[] bytes = Synthetic.IdxImages(1, 28, 28);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), int.MaxValue);
        string path = dir.Write("i.gz", Synthetic.Gzip(bytes));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "wrong dimensions");
    }

    [Fact]
    public void ExtraDataAfterTheLastImageIsWrongDimensions()
    {
        using var dir = new TempDir();
        byte[] bytes = [.. Synthetic.IdxImages(2, 2, 2), 9, 9, 9, 9];
        string path = dir.Write("i", bytes);
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "wrong dimensions", "holds more data");
    }

    [Fact]
    public void TruncatedRawFileIsReportedBeforeReading()
    {
        using var dir = new TempDir();
        string path = dir.Write("i", Synthetic.Truncate(Synthetic.IdxImages(3, 4, 4), 16 + 40));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "truncated", "64 bytes", "has 56 bytes", "download it again");
    }

    [Fact]
    public void TruncatedHeaderIsReported()
    {
        using var dir = new TempDir();
        string path = dir.Write("l", [0, 0, 8]);
        var e = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path, 10));
        Synthetic.AssertMessage(e, path, "truncated", "magic number");
    }

    [Fact]
    public void TruncatedGzipFileIsReported()
    {
        using var dir = new TempDir();
        byte[] whole = Synthetic.Gzip(Synthetic.IdxImages(50, 8, 8));
        string path = dir.Write("i.gz", Synthetic.Truncate(whole, whole.Length / 2));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "truncated", "download it again");
    }

    [Fact]
    public void CorruptGzipIsReported()
    {
        using var dir = new TempDir();
        byte[] bytes = Synthetic.Gzip(Synthetic.IdxImages(50, 8, 8));
        for (int i = 10; i < bytes.Length - 8; i++) bytes[i] = 0xFF;
        string path = dir.Write("i.gz", bytes);
        var e = Assert.Throws<DataException>(() => IdxReader.ReadImages(path));
        Synthetic.AssertMessage(e, path, "not a valid gzip stream", "corrupt");
    }

    [Fact]
    public void LabelOutOfRangeNamesTheItem()
    {
        using var dir = new TempDir();
        string path = dir.Write("l", Synthetic.IdxLabels([1, 2, 12, 3]));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadLabels(path, 10));
        Synthetic.AssertMessage(e, path, "label 12", "item 2", "out of range 0..9");
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        using var dir = new TempDir();
        string images = dir.Write("i", Synthetic.IdxImages(3, 2, 2));
        string labels = dir.Write("l", Synthetic.IdxLabels([1, 2]));
        var e = Assert.Throws<DataException>(() => IdxReader.ReadDataset("t", images, labels, 10));
        Synthetic.AssertMessage(e, images, labels, "3 images", "2 labels", "do not belong together");
    }
}
