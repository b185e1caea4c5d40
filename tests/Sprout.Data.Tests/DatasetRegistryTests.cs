// DatasetRegistry on synthetic data directories (layouts, aliases, normalization, missing pieces) and on
// the embedded digits, which must work with no data directory at all.
using System.Text;
using Sprout.TestSupport;

namespace Sprout.Data.Tests;

public class DatasetRegistryTests
{
    private static void WriteMnistLike(TempDir dir, string folder, int rows = 28, int trainCount = 6, bool gzip = true)
    {
        byte[] Maybe(byte[] b) => gzip ? Synthetic.Gzip(b) : b;
        string ext = gzip ? ".gz" : "";
        dir.Write($"{folder}/train-images-idx3-ubyte{ext}", Maybe(Synthetic.IdxImages(trainCount, rows, 28)));
        dir.Write($"{folder}/train-labels-idx1-ubyte{ext}", Maybe(Synthetic.IdxLabels(Synthetic.CyclicLabels(trainCount, 10))));
        dir.Write($"{folder}/t10k-images-idx3-ubyte{ext}", Maybe(Synthetic.IdxImages(3, rows, 28)));
        dir.Write($"{folder}/t10k-labels-idx1-ubyte{ext}", Maybe(Synthetic.IdxLabels(Synthetic.CyclicLabels(3, 10))));
    }

    [Theory]
    [InlineData("mnist", "mnist", true)]
    [InlineData("MNIST", "mnist", false)]
    [InlineData("fashion_mnist", "fashion-mnist", true)]
    [InlineData("Fashion-MNIST", "fashion_mnist", false)]
    public void LoadsIdxLayoutsRawOrGzip(string name, string folder, bool gzip)
    {
        using var dir = new TempDir();
        WriteMnistLike(dir, folder, gzip: gzip);
        DatasetSplits splits = DatasetRegistry.Load(name, new DataOptions { DataDirectory = dir.Path, RequireOfficialCounts = false });
        Assert.Equal(6, splits.Train.Count);
        Assert.Equal(3, splits.Test.Count);
        Assert.Equal(Path.Combine(dir.Path, folder), splits.Source);
        Assert.Equal(name.StartsWith("f", StringComparison.OrdinalIgnoreCase) ? "T-shirt/top" : "0", splits.Train.ClassNames[0]);
        Assert.Equal(DatasetRegistry.Canonicalize(name), splits.Train.Name);
    }

    [Fact]
    public void LoadsCifar10FromTheOfficialFolderName()
    {
        using var dir = new TempDir();
        for (int b = 1; b <= 5; b++) dir.Write($"cifar-10-batches-bin/data_batch_{b}.bin", Synthetic.CifarRecords(2, 1, firstImage: 2 * (b - 1)));
        dir.Write("cifar-10-batches-bin/test_batch.bin.gz", Synthetic.Gzip(Synthetic.CifarRecords(3, 1)));
        dir.Write("cifar-10-batches-bin/batches.meta.txt", Encoding.ASCII.GetBytes(string.Join("\n", Enumerable.Range(0, 10).Select(i => $"c{i}")) + "\n\n"));
        DatasetSplits splits = DatasetRegistry.Load("cifar-10", new DataOptions { DataDirectory = dir.Path, RequireOfficialCounts = false });
        Assert.Equal(Enumerable.Range(0, 10).ToArray(), splits.Train.Labels);
        Assert.Equal(3, splits.Test.Count);
        Assert.Equal("c9", splits.Train.ClassNames[9]);
    }

    [Theory]
    [InlineData(false, 100, "f99")]
    [InlineData(true, 20, "k19")]
    public void LoadsCifar100WithFineOrCoarseNames(bool coarse, int classes, string lastName)
    {
        using var dir = new TempDir();
        dir.Write("cifar-100/train.bin", Synthetic.CifarRecords(4, 2));
        dir.Write("cifar-100/test.bin.gz", Synthetic.Gzip(Synthetic.CifarRecords(2, 2)));
        dir.Write("cifar-100/fine_label_names.txt", Encoding.ASCII.GetBytes(string.Join("\n", Enumerable.Range(0, 100).Select(i => $"f{i}"))));
        dir.Write("cifar-100/coarse_label_names.txt", Encoding.ASCII.GetBytes(string.Join("\n", Enumerable.Range(0, 20).Select(i => $"k{i}"))));
        DatasetSplits splits = DatasetRegistry.Load("cifar100", new DataOptions { DataDirectory = dir.Path, CoarseLabels = coarse, RequireOfficialCounts = false });
        Assert.Equal(classes, splits.Train.ClassCount);
        Assert.Equal(lastName, splits.Train.ClassNames[^1]);
        Assert.Equal(2, splits.Test.Count);
    }

    [Fact]
    public void ShapeOfIsKnownWithoutLoading()
    {
        DatasetSplits digits = DatasetRegistry.Load("digits");
        Assert.Equal((digits.Train.ImageShape, digits.Train.ClassCount), DatasetRegistry.ShapeOf("digits"));
        Assert.Equal((new ImageShape(1, 28, 28), 10), DatasetRegistry.ShapeOf("MNIST"));
        Assert.Equal((new ImageShape(1, 28, 28), 10), DatasetRegistry.ShapeOf("fashion_mnist"));
        Assert.Equal((new ImageShape(3, 32, 32), 10), DatasetRegistry.ShapeOf("cifar-10"));
        Assert.Equal((new ImageShape(3, 32, 32), 100), DatasetRegistry.ShapeOf("cifar100"));
        Assert.Throws<DataException>(() => DatasetRegistry.ShapeOf("imagenet"));
    }

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<DataException>(() => DatasetRegistry.Load("imagenet"));
        Synthetic.AssertMessage(e, "unknown dataset 'imagenet'", "mnist, fashion-mnist, cifar10, cifar100, digits");
        Assert.False(DatasetRegistry.IsKnown("imagenet"));
        Assert.True(DatasetRegistry.IsKnown("CIFAR-100"));
    }

    [Fact]
    public void MissingFolderSaysWhereItLookedAndHowToFix()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DataException>(() => DatasetRegistry.Load("cifar10", new DataOptions { DataDirectory = dir.Path }));
        Synthetic.AssertMessage(e, Path.Combine(dir.Path, "cifar-10"), "cifar-10-batches-bin", "from --data-dir", "SPROUT_DATA", "sprout data download cifar10");
        Assert.False(DatasetRegistry.IsAvailable("cifar10", dir.Path));
    }

    [Fact]
    public void MissingFileSaysWhichAndWhere()
    {
        using var dir = new TempDir();
        WriteMnistLike(dir, "mnist");
        File.Delete(Path.Combine(dir.Path, "mnist", "t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<DataException>(() => DatasetRegistry.Load("mnist", new DataOptions { DataDirectory = dir.Path }));
        Synthetic.AssertMessage(e, "missing t10k-labels-idx1-ubyte", Path.Combine(dir.Path, "mnist"), "--data-dir", "sprout data download mnist");
        Assert.Equal(Path.Combine(dir.Path, "mnist", "t10k-labels-idx1-ubyte"), e.FilePath);
    }

    [Fact]
    public void WrongImageSizeForTheDatasetIsWrongDimensions()
    {
        using var dir = new TempDir();
        WriteMnistLike(dir, "mnist", rows: 32);
        var e = Assert.Throws<DataException>(() => DatasetRegistry.Load("mnist", new DataOptions { DataDirectory = dir.Path }));
        Synthetic.AssertMessage(e, "train-images-idx3-ubyte.gz", "wrong dimensions", "32x28", "28x28");
    }

    [Fact]
    public void DigitsComeFromTheEmbeddedCopyWithAFixedStratifiedSplit()
    {
        using var empty = new TempDir();
        DatasetSplits digits = DatasetRegistry.Load("digits", new DataOptions { DataDirectory = empty.Path });
        Assert.Equal("embedded", digits.Source);
        Assert.Equal(1438, digits.Train.Count);
        Assert.Equal(359, digits.Test.Count);
        int[] total = digits.Train.ClassCounts().Zip(digits.Test.ClassCounts(), (a, b) => a + b).ToArray();
        Assert.Equal([178, 182, 177, 183, 181, 182, 181, 179, 174, 180], total);
        Assert.Equal([36, 36, 35, 37, 36, 36, 36, 36, 35, 36], digits.Test.ClassCounts());
        Assert.True(DatasetRegistry.IsAvailable("digits", empty.Path));

        DatasetSplits again = DatasetRegistry.Load("digits", new DataOptions { DataDirectory = empty.Path });
        Assert.Equal(digits.Test.Labels, again.Test.Labels);
        Assert.True(digits.Test.ToArray().AsSpan().SequenceEqual(again.Test.ToArray()));
    }

    [Fact]
    public void EmbeddedDigitsHaveTheDocumentedCounts()
    {
        Dataset all = DatasetRegistry.ReadEmbeddedDigits();
        Assert.Equal(1797, all.Count);
        Assert.Equal([178, 182, 177, 183, 181, 182, 181, 179, 174, 180], all.ClassCounts());
        Assert.Equal(new ImageShape(1, 8, 8), all.ImageShape);
        Assert.InRange(all.ToArray().Max(), 1f, 1f);
    }

    [Fact]
    public void DigitsInTheDataDirectoryTakePrecedence()
    {
        using var dir = new TempDir();
        string line = string.Join(",", Enumerable.Repeat(2, 64));
        string csv = string.Concat(Enumerable.Range(0, 50).Select(i => $"{line},{i % 10}\n"));
        dir.Write("digits/digits.csv", Encoding.ASCII.GetBytes(csv));
        DatasetSplits digits = DatasetRegistry.Load("digits", new DataOptions { DataDirectory = dir.Path });
        Assert.Equal(Path.Combine(dir.Path, "digits", "digits.csv"), digits.Source);
        Assert.Equal(40, digits.Train.Count);
        Assert.Equal(10, digits.Test.Count);
    }

    [Fact]
    public void TrainStatisticsNormalizeBothSplitsWithTrainConstants()
    {
        using var empty = new TempDir();
        DatasetSplits digits = DatasetRegistry.Load("digits", new DataOptions { DataDirectory = empty.Path, Normalization = NormalizationMode.TrainStatistics });
        ChannelNormalization after = ChannelNormalization.Compute(digits.Train);
        Assert.InRange(after.Mean[0], -1e-4f, 1e-4f);
        Assert.InRange(after.Std[0], 1 - 1e-3f, 1 + 1e-3f);
        Assert.Same(digits.Train.Normalization, digits.Test.Normalization);
    }

    [Fact]
    public void PublishedNormalizationUsesTheConstants()
    {
        using var dir = new TempDir();
        WriteMnistLike(dir, "mnist");
        DatasetSplits mnist = DatasetRegistry.Load("mnist", new DataOptions { DataDirectory = dir.Path, Normalization = NormalizationMode.Published, RequireOfficialCounts = false });
        Assert.Same(ChannelNormalization.Mnist, mnist.Train.Normalization);
        Assert.True(mnist.Train.HoldsBytes); // 8-bit pixels stay bytes, decoded per batch
        float raw = Synthetic.Pixel(0, 0) / 255f;
        Assert.Equal((raw - 0.1307f) / 0.3081f, mnist.Train.Sample(0)[0], 5);
    }
}
