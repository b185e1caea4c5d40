// IdxReader: the IDX format of MNIST and Fashion-MNIST (unsigned-byte images idx3, labels idx1), raw or gzipped.
// Headers are big-endian int32s; pixels are read as the bytes they are (a dataset keeps them so and decodes per
// batch), and ReadImages converts them to a float tensor for callers that want one. It reads only the unsigned-byte variants
// these datasets use, not the other IDX element types (int16, float, ...).
using System.Buffers;
using System.Buffers.Binary;
using Sprout.Core;

namespace Sprout.Data.Formats;

/// <summary>Reads IDX image (idx3-ubyte) and label (idx1-ubyte) files, raw or .gz.</summary>
public static class IdxReader
{
    /// <summary>Magic of an unsigned-byte, 3-dimensional IDX file (images): 0x00000803.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of an unsigned-byte, 1-dimensional IDX file (labels): 0x00000801.</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>
    /// Reads an idx3 image file into a new tensor of shape [N, 1, rows, columns], each pixel divided by
    /// <paramref name="divisor"/> (default 255, so values land in [0, 1]).
    /// </summary>
    /// <exception cref="DataException">Missing file, wrong magic, bad dimensions, truncated data, bad gzip, or trailing bytes.</exception>
    public static Tensor ReadImages(string path, float divisor = 255f)
    {
        byte[] pixels = ReadImageBytes(path, out int count, out int rows, out int columns);
        var images = new Tensor(count, 1, rows, columns);
        PixelConvert.Divide(pixels, images.Data, divisor);
        return images;
    }

    /// <summary>Reads an idx3 image file's pixels as they are stored: count·rows·columns bytes, image after image.</summary>
    /// <exception cref="DataException">As <see cref="ReadImages"/>.</exception>
    internal static byte[] ReadImageBytes(string path, out int count, out int rows, out int columns)
    {
        using Stream stream = DataFile.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        // Magic first, so a (short) labels file given as images reports the wrong magic, not a truncated header.
        DataFile.ReadExactly(stream, header[..4], path, "the IDX magic number", 0);
        CheckMagic(path, BinaryPrimitives.ReadInt32BigEndian(header), ImagesMagic, "images");
        DataFile.ReadExactly(stream, header[4..], path, "the IDX image header", 4);
        count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        // Each factor fits an int, so rows·columns fits a long; the product with count is bounded before it is formed
        // (three large header fields used to overflow a long, pass the checks as a negative total, and allocate gigabytes).
        long perImage = (long)rows * columns;
        long total = rows > 0 && columns > 0 && count > 0 && perImage <= Array.MaxLength / count ? count * perImage : long.MaxValue;
        if (count == 0)
            throw new DataException($"{path}: the IDX header says 0 images; the file is empty or corrupt, delete it and download it again", path);
        if (count < 0 || rows <= 0 || columns <= 0 || total > Array.MaxLength)
            throw new DataException($"{path}: wrong dimensions in the IDX header: {count} images of {rows}x{columns}; the file is not a valid image file", path);
        CheckRawLength(path, 16 + total, $"{count} images of {rows}x{columns}");

        var pixels = new byte[total];
        DataFile.ReadExactly(stream, pixels, path, "pixel data", 16);
        if (!DataFile.AtEnd(stream, path))
            throw new DataException($"{path}: wrong dimensions: the header says {count} images of {rows}x{columns} but the file holds more data; the file is not a valid image file", path);
        return pixels;
    }

    /// <summary>Reads an idx1 label file; every label must lie in [0, <paramref name="classCount"/>).</summary>
    /// <exception cref="DataException">Missing file, wrong magic, truncated data, bad gzip, trailing bytes, or a label out of range.</exception>
    public static int[] ReadLabels(string path, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        using Stream stream = DataFile.OpenRead(path);
        Span<byte> header = stackalloc byte[8];
        DataFile.ReadExactly(stream, header[..4], path, "the IDX magic number", 0);
        CheckMagic(path, BinaryPrimitives.ReadInt32BigEndian(header), LabelsMagic, "labels");
        DataFile.ReadExactly(stream, header[4..], path, "the IDX label header", 4);
        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0)
            throw new DataException($"{path}: wrong dimensions in the IDX header: {count} labels; the file is not a valid label file", path);
        if (count == 0)
            throw new DataException($"{path}: the IDX header says 0 labels; the file is empty or corrupt, delete it and download it again", path);
        CheckRawLength(path, 8 + (long)count, $"{count} labels");

        var labels = new int[count];
        byte[] chunk = ArrayPool<byte>.Shared.Rent(Math.Min(DataFile.ChunkBytes, Math.Max(count, 1)));
        try
        {
            for (int start = 0; start < count; start += chunk.Length)
            {
                Span<byte> part = chunk.AsSpan(0, Math.Min(chunk.Length, count - start));
                DataFile.ReadExactly(stream, part, path, "label data", 8 + start);
                for (int i = 0; i < part.Length; i++)
                {
                    if (part[i] >= classCount)
                        throw new DataException($"{path}: label {part[i]} of item {start + i} is out of range 0..{classCount - 1}; the file is corrupt or belongs to another dataset", path);
                    labels[start + i] = part[i];
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        if (!DataFile.AtEnd(stream, path))
            throw new DataException($"{path}: wrong dimensions: the header says {count} labels but the file holds more data; the file is not a valid label file", path);
        return labels;
    }

    /// <summary>
    /// Reads a matching image and label file into a <see cref="Dataset"/>; the two counts must agree.
    /// </summary>
    /// <exception cref="DataException">Any reader error, or image and label counts that differ.</exception>
    public static Dataset ReadDataset(string name, string imagesPath, string labelsPath, int classCount, IReadOnlyList<string>? classNames = null)
    {
        byte[] pixels = ReadImageBytes(imagesPath, out int count, out int rows, out int columns);
        int[] labels = ReadLabels(labelsPath, classCount);
        if (labels.Length != count)
            throw new DataException($"{imagesPath}: holds {count} images but {labelsPath} holds {labels.Length} labels; the two files do not belong together, download them again", imagesPath);
        return new Dataset(name, pixels, new ImageShape(1, rows, columns), labels, classCount, classNames);
    }

    private static void CheckMagic(string path, int magic, int expected, string kind)
    {
        if (magic == expected) return;
        string hint = magic switch
        {
            ImagesMagic => "it is an IDX images file, not labels",
            LabelsMagic => "it is an IDX labels file, not images",
            _ => "it is not an unsigned-byte IDX file",
        };
        throw new DataException($"{path}: wrong magic number 0x{magic:X8}, expected 0x{expected:X8} for IDX {kind} ({hint}); check the file name", path);
    }

    // Reject a header that claims more than the file holds before allocating its tensor. For raw files the length
    // is exact; for gzip files the trailer's size is used (exact when intact, and a corrupt trailer can only cause a
    // refusal of a file that is corrupt anyway), and the stream is still checked while reading.
    private static void CheckRawLength(string path, long expected, string what)
    {
        long actual = DataFile.DecompressedLength(path);
        if (actual < expected)
            throw new DataException($"{path}: truncated: the header says {what} ({expected} bytes) but the file has {actual} bytes; the file is incomplete, delete it and download it again", path);
    }
}
