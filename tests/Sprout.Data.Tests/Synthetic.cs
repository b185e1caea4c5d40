// Synthetic dataset files for tests: small IDX, CIFAR and gzip content built in memory, plus helpers to
// damage them and to check error messages. Pixel values follow a formula so tests can spot-check them after a round trip.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Sprout.Data.Tests;

internal static class Synthetic
{
    /// <summary>Pixel value of image i at flat position p: a formula so tests can check it.</summary>
    public static byte Pixel(int i, int p) => (byte)((i * 7 + p * 3) % 256);

    public static byte[] IdxImages(int count, int rows, int columns, int magic = 0x803)
    {
        var bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int i = 0; i < count; i++)
            for (int p = 0; p < rows * columns; p++) bytes[16 + i * rows * columns + p] = Pixel(i, p);
        return bytes;
    }

    public static byte[] IdxLabels(ReadOnlySpan<byte> labels, int magic = 0x801)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    /// <summary>Labels 0, 1, …, classCount−1, 0, 1, … for <paramref name="count"/> items.</summary>
    public static byte[] CyclicLabels(int count, int classCount) =>
        Enumerable.Range(0, count).Select(i => (byte)(i % classCount)).ToArray();

    /// <summary>CIFAR records: <paramref name="labelBytes"/> label bytes (label byte k of record i = (i + k) % mod), then pixels.</summary>
    public static byte[] CifarRecords(int count, int labelBytes, int firstImage = 0)
    {
        int record = labelBytes + 3072;
        var bytes = new byte[count * record];
        for (int i = 0; i < count; i++)
        {
            bytes[i * record] = (byte)((i + firstImage) % (labelBytes == 1 ? 10 : 20));
            if (labelBytes == 2) bytes[i * record + 1] = (byte)((i + firstImage) % 100);
            for (int p = 0; p < 3072; p++) bytes[i * record + labelBytes + p] = Pixel(i + firstImage, p);
        }
        return bytes;
    }

    public static byte[] Gzip(byte[] content)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(content);
        return output.ToArray();
    }

    /// <summary>The first <paramref name="length"/> bytes.</summary>
    public static byte[] Truncate(byte[] content, int length) => content.AsSpan(0, length).ToArray();

    /// <summary>Asserts the exception message is a single line containing every fragment (case-insensitive).</summary>
    public static void AssertMessage(DataException e, params string[] fragments)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        foreach (string fragment in fragments) Assert.Contains(fragment, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
