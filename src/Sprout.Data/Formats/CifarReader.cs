// CifarReader: the "binary version" of CIFAR-10 (3073-byte records: label, 3072 pixels) and CIFAR-100
// (3074-byte records: coarse label, fine label, 3072 pixels), raw .bin or .bin.gz. Pixels are already
// channel-major (R plane, G plane, B plane, each 32x32 row-major), exactly the [C, H, W] layout we store,
// so each record's pixel bytes are copied as they are into their slice of one array (the dataset decodes per batch). Record counts come from the
// file length (or the gzip trailer) and are checked against what the stream actually delivers.
using System.Buffers;

namespace Sprout.Data.Formats;

/// <summary>Reads CIFAR-10 and CIFAR-100 binary batch files, raw or .gz.</summary>
public static class CifarReader
{
    /// <summary>Pixel bytes per image: 3 channels x 32 x 32.</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>Bytes per CIFAR-10 record: one label byte, then the pixels.</summary>
    public const int Cifar10RecordBytes = 1 + ImageBytes;

    /// <summary>Bytes per CIFAR-100 record: coarse label, fine label, then the pixels.</summary>
    public const int Cifar100RecordBytes = 2 + ImageBytes;

    /// <summary>The CIFAR-10 class names, used when batches.meta.txt is absent.</summary>
    public static IReadOnlyList<string> Cifar10ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>
    /// Reads CIFAR-10 batch files, in the order given, into one dataset of shape [N, 3, 32, 32] scaled to [0, 1] (held as bytes).
    /// </summary>
    /// <exception cref="DataException">Missing, truncated or corrupt file, or a label outside 0..9.</exception>
    public static Dataset ReadCifar10(IReadOnlyList<string> batchPaths, IReadOnlyList<string>? classNames = null, string name = "cifar10")
    {
        (byte[] images, int[] labels) = ReadRecords(batchPaths, labelBytes: 1, keepLabel: 0, classCount: 10, "CIFAR-10");
        return new Dataset(name, images, Shape, labels, 10, classNames ?? Cifar10ClassNames);
    }

    /// <summary>
    /// Reads a CIFAR-100 file (train.bin or test.bin) with its fine labels (100 classes), or its coarse
    /// labels (20 superclasses) when <paramref name="coarseLabels"/> is true.
    /// </summary>
    /// <exception cref="DataException">Missing, truncated or corrupt file, or a label out of range.</exception>
    public static Dataset ReadCifar100(string path, bool coarseLabels = false, IReadOnlyList<string>? classNames = null, string name = "cifar100")
    {
        int classCount = coarseLabels ? 20 : 100;
        (byte[] images, int[] labels) = ReadRecords([path], labelBytes: 2, keepLabel: coarseLabels ? 0 : 1, classCount, "CIFAR-100");
        return new Dataset(name, images, Shape, labels, classCount, classNames);
    }

    /// <summary>Reads a class-name file (batches.meta.txt, fine_label_names.txt): one name per line, blank lines skipped.</summary>
    /// <exception cref="DataException">The file is missing or has a number of names other than <paramref name="expectedCount"/>.</exception>
    public static string[] ReadClassNames(string path, int expectedCount)
    {
        string[] names;
        try
        {
            names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path}: cannot read class names ({e.Message})", path, e);
        }
        if (names.Length != expectedCount)
            throw new DataException($"{path}: has {names.Length} class names, expected {expectedCount}; the file is corrupt or belongs to another dataset", path);
        return names;
    }

    private static readonly ImageShape Shape = new(3, 32, 32);

    /// <summary>Reads records from several files into one [N, 3, 32, 32] byte array; keeps label byte <paramref name="keepLabel"/>.</summary>
    private static (byte[] Images, int[] Labels) ReadRecords(IReadOnlyList<string> paths, int labelBytes, int keepLabel, int classCount, string format)
    {
        int recordBytes = labelBytes + ImageBytes;
        var counts = new int[paths.Count];
        long total = 0;
        for (int f = 0; f < paths.Count; f++)
        {
            counts[f] = CountRecords(paths[f], recordBytes, format);
            total += counts[f];
        }
        if (total * ImageBytes > Array.MaxLength)
            throw new DataException($"{paths[0]}: {total} {format} records are more than one array can hold; a file is corrupt, delete it and download it again", paths[0]);

        var images = new byte[total * ImageBytes];
        var labels = new int[total];
        Span<byte> pixels = images;
        int recordsPerChunk = Math.Max(1, DataFile.ChunkBytes / recordBytes);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(recordsPerChunk * recordBytes);
        try
        {
            int next = 0;
            for (int f = 0; f < paths.Count; f++)
            {
                string path = paths[f];
                using Stream stream = DataFile.OpenRead(path);
                for (int r = 0; r < counts[f]; r += recordsPerChunk)
                {
                    int n = Math.Min(recordsPerChunk, counts[f] - r);
                    Span<byte> block = chunk.AsSpan(0, n * recordBytes);
                    DataFile.ReadExactly(stream, block, path, $"{format} records {r}..{r + n - 1}", (long)r * recordBytes);
                    for (int k = 0; k < n; k++, next++)
                    {
                        ReadOnlySpan<byte> record = block.Slice(k * recordBytes, recordBytes);
                        int label = record[keepLabel];
                        if (label >= classCount)
                            throw new DataException($"{path}: label {label} of record {r + k} is out of range 0..{classCount - 1}; the file is corrupt or not a {format} file", path);
                        labels[next] = label;
                        record[labelBytes..].CopyTo(pixels.Slice(next * ImageBytes, ImageBytes));
                    }
                }
                if (!DataFile.AtEnd(stream, path))
                    throw new DataException($"{path}: holds more data than the {counts[f]} {format} records its size announced; the file is corrupt, delete it and download it again", path);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return (images, labels);
    }

    private static int CountRecords(string path, int recordBytes, string format)
    {
        long length = DataFile.DecompressedLength(path);
        if (length % recordBytes != 0 && DataFile.IsGzip(path))
        {
            // A truncated .gz ends in arbitrary bytes where its size trailer should be: report what it really holds.
            long actual = DataFile.CountDecompressed(path);
            throw new DataException($"{path}: the gzip file is truncated or corrupt: it decompresses to {actual} bytes, not a whole number of {recordBytes}-byte {format} records; delete it and download it again", path);
        }
        if (length == 0)
            throw new DataException($"{path}: the file is empty (0 {format} records); delete it and download it again", path);
        if (length % recordBytes != 0 || length / recordBytes > int.MaxValue)
        {
            string other = recordBytes == Cifar10RecordBytes ? $"{Cifar100RecordBytes} would be CIFAR-100" : $"{Cifar10RecordBytes} would be CIFAR-10";
            throw new DataException($"{path}: {length} bytes is not a whole number of {recordBytes}-byte {format} records ({other}); the file is truncated or not a {format} file, delete it and download it again", path);
        }
        return (int)(length / recordBytes);
    }
}
