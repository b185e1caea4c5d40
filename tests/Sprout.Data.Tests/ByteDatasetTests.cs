// Datasets held as bytes (what the MNIST and CIFAR readers now produce): a loader fed from bytes gives batches
// bit-identical to the same pixels held as floats the way the readers stored them before (byte / 255 by a true
// division, then normalized in place), with and without augmentation, flattening, shuffling and a short last batch;
// subsets, splits and train statistics agree too, and the bytes take a quarter of the floats' memory.
using System.Runtime.InteropServices;
using Sprout.Core;
using Sprout.Data.Formats;

namespace Sprout.Data.Tests;

public class ByteDatasetTests
{
    /// <summary><paramref name="count"/> random samples whose bytes cover all 256 values; labels i % classes.</summary>
    private static (byte[] Pixels, int[] Labels) RandomPixels(int count, ImageShape shape, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var pixels = new byte[count * shape.Size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i < 256 ? i : rng.NextInt(256));
        return (pixels, Enumerable.Range(0, count).Select(i => i % classes).ToArray());
    }

    private static Dataset AsFloats(byte[] pixels, ImageShape shape, int[] labels, int classes)
    {
        var features = new Tensor(labels.Length, shape.Channels, shape.Height, shape.Width);
        PixelConvert.Divide(pixels, features.Data, 255f);
        return new Dataset("floats", features, labels, classes);
    }

    private static List<(int[] Bits, int[] Labels)> Batches(Dataset data, DataLoaderOptions options, int epoch)
    {
        var loader = new DataLoader(data, options);
        var batches = new List<(int[], int[])>();
        foreach (Batch b in loader.GetEpoch(epoch))
            batches.Add((MemoryMarshal.Cast<float, int>(b.Inputs.Data).ToArray(), b.Labels.ToArray()));
        return batches;
    }

    [Theory]
    [InlineData(3, 32, true, false, "published")]
    [InlineData(3, 32, true, false, "train")]
    [InlineData(3, 32, true, false, "none")]
    [InlineData(3, 32, false, false, "published")]
    [InlineData(1, 28, false, true, "published")]
    [InlineData(1, 28, true, false, "train")]
    public void BatchesAreBitIdenticalToTheFloatStorage(int channels, int side, bool augment, bool flatten, string normalization)
    {
        var shape = new ImageShape(channels, side, side);
        var (pixels, labels) = RandomPixels(300, shape, 10, seed: 3);
        var bytes = new Dataset("bytes", pixels, shape, labels, 10);
        var floats = AsFloats(pixels, shape, labels, 10);
        Assert.True(bytes.HoldsBytes);
        Assert.False(floats.HoldsBytes);
        Assert.Equal(4 * bytes.PixelBytes, floats.PixelBytes);

        ChannelNormalization? n = normalization switch
        {
            "published" => channels == 3 ? ChannelNormalization.Cifar10 : ChannelNormalization.Mnist,
            "train" => ChannelNormalization.Compute(floats),
            _ => null,
        };
        if (normalization == "train")
        {
            var fromBytes = ChannelNormalization.Compute(bytes);
            Assert.Equal(n!.Mean.ToArray(), fromBytes.Mean.ToArray());
            Assert.Equal(n.Std.ToArray(), fromBytes.Std.ToArray());
        }
        if (n is not null)
        {
            bytes.Normalize(n);
            floats.Normalize(n);
        }
        // 300 samples in batches of 128: two full batches split over the kernel threads and a short last one.
        var options = new DataLoaderOptions { BatchSize = 128, Seed = 11, Flatten = flatten, Augmentation = augment ? Augmentation.Cifar : null };
        foreach (int epoch in new[] { 0, 3 })
        {
            var expected = Batches(floats, options, epoch);
            var actual = Batches(bytes, options, epoch);
            Assert.Equal(3, actual.Count);
            for (int b = 0; b < expected.Count; b++)
            {
                Assert.Equal(expected[b].Labels, actual[b].Labels);
                Assert.True(expected[b].Bits.AsSpan().SequenceEqual(actual[b].Bits), $"epoch {epoch} batch {b} differs");
            }
        }
    }

    [Fact]
    public void SubsetsAndSplitsKeepTheBytesAndTheirValues()
    {
        var shape = new ImageShape(3, 4, 4);
        var (pixels, labels) = RandomPixels(60, shape, 3, seed: 5);
        var bytes = new Dataset("bytes", pixels, shape, labels, 3);
        var floats = AsFloats(pixels, shape, labels, 3);
        bytes.Normalize(ChannelNormalization.Cifar10);
        floats.Normalize(ChannelNormalization.Cifar10);
        var (byteTrain, byteValidation) = bytes.Split(0.25, seed: 9);
        var (floatTrain, floatValidation) = floats.Split(0.25, seed: 9);
        Assert.True(byteTrain.HoldsBytes && byteValidation.HoldsBytes);
        Assert.Same(ChannelNormalization.Cifar10, byteValidation.Normalization);
        Assert.Equal(floatTrain.Labels, byteTrain.Labels);
        Assert.Equal(Bits(floatTrain.ToArray()), Bits(byteTrain.ToArray()));
        Assert.Equal(Bits(floatValidation.ToArray()), Bits(byteValidation.ToArray()));
        Assert.Equal(Bits(floats.Sample(7)), Bits(bytes.Sample(7)));
    }

    [Fact]
    public void ConstructorAndCopySampleCheckTheirArguments()
    {
        var shape = new ImageShape(1, 2, 2);
        Assert.Throws<ArgumentException>(() => new Dataset("x", new byte[7], shape, [0, 1], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset("x", new byte[8], shape, [0, 1], 2, divisor: 0f));
        Assert.Throws<ArgumentException>(() => new Dataset("x", new byte[8], shape, [0, 2], 2));
        var data = new Dataset("x", [0, 16, 32, 255, 1, 2, 3, 4], shape, [0, 1], 2, divisor: 16f);
        Assert.Equal([1f / 16, 2f / 16, 3f / 16, 4f / 16], data.Sample(1));
        Assert.Equal(255f / 16, data.Sample(0)[3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.CopySample(2, new float[4]));
        Assert.Throws<ArgumentException>(() => data.CopySample(0, new float[3]));
    }

    [Fact]
    public void VectorDecodeEqualsTheScalarTableForEveryLength()
    {
        var rng = new Rng(17);
        foreach (var (divisor, mean, inverseStd) in new[] { (255f, 0f, 1f), (255f, 0.4914f, 1f / 0.2470f), (16f, -0.3f, 3.7f) })
        {
            var table = new float[256];
            for (int b = 0; b < 256; b++) table[b] = PixelDecode.Value(b, divisor, mean, inverseStd);
            for (int n = 0; n <= 257; n++)
            {
                var source = new byte[n];
                for (int i = 0; i < n; i++) source[i] = (byte)rng.NextInt(256);
                var actual = new float[n];
                PixelDecode.Plane(source, actual, divisor, mean, inverseStd, table);
                Assert.Equal(Bits(source.Select(b => table[b]).ToArray()), Bits(actual));
            }
        }
        Assert.Throws<ArgumentException>(() => PixelDecode.Plane(new byte[3], new float[4], 255f, 0f, 1f, new float[256]));
    }

    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();
}
