// DigitsCsvReader: scikit-learn's digits.csv.gz (UCI optdigits test split): one record per line, 64 pixel
// counts 0..16 (an 8x8 image, row-major) then the label 0..9, comma-separated, no header. The whole file is
// 265 KB decompressed, so it is read into one buffer and parsed as bytes, with no string per line or field.
// Not a general CSV parser: no quoting, no header detection, integers only.
using Sprout.Core;

namespace Sprout.Data.Formats;

/// <summary>Reads the 8x8 digits CSV (raw or .gz) into a [N, 1, 8, 8] dataset scaled to [0, 1] (pixel / 16).</summary>
public static class DigitsCsvReader
{
    /// <summary>Values per line: 64 pixels and a label.</summary>
    public const int FieldsPerLine = 65;

    /// <summary>Largest accepted (decompressed) file size.</summary>
    public const int MaxBytes = 64 << 20;

    /// <summary>Largest pixel value (a count of on-pixels in a 4x4 block).</summary>
    public const int MaxPixel = 16;

    /// <summary>Reads the file at <paramref name="path"/> (raw or gzip).</summary>
    /// <exception cref="DataException">Missing file, bad gzip, malformed line, or a value out of range.</exception>
    public static Dataset Read(string path, string name = "digits")
    {
        using Stream stream = DataFile.OpenRead(path);
        return Read(stream, path, name);
    }

    /// <summary>Reads already-decompressed CSV text from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DataException">Bad gzip (if the stream decompresses), malformed line, or a value out of range.</exception>
    public static Dataset Read(Stream stream, string source, string name = "digits")
    {
        var buffer = new MemoryStream();
        try
        {
            // Bounded: the real file is 265 KB; a device or a gzip bomb must not fill memory.
            byte[] chunk = new byte[1 << 16];
            int n;
            while ((n = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + n > MaxBytes)
                    throw new DataException($"{source}: more than {MaxBytes} bytes, far larger than the digits CSV (265 KB); it is not the digits dataset", source);
                buffer.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw DataFile.BadGzip(source, e);
        }
        ReadOnlySpan<byte> text = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);

        int lines = CountLines(text);
        if (lines == 0) throw new DataException($"{source}: holds no records; the file is empty or not the 8x8 digits CSV", source);
        var images = new Tensor(lines, 1, 8, 8);
        var labels = new int[lines];
        Span<float> pixels = images.Data;
        int line = 0;
        while (text.Length > 0)
        {
            int end = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> row = end < 0 ? text : text[..end];
            text = end < 0 ? default : text[(end + 1)..];
            if (row.Length > 0 && row[^1] == '\r') row = row[..^1];
            if (row.IsEmpty) continue;
            ParseLine(row, pixels.Slice(line * 64, 64), out labels[line], source, line + 1);
            line++;
        }
        return new Dataset(name, images, labels, 10, DigitNames);
    }

    /// <summary>Class names "0".."9".</summary>
    internal static IReadOnlyList<string> DigitNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static int CountLines(ReadOnlySpan<byte> text)
    {
        int count = 0;
        while (text.Length > 0)
        {
            int end = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> row = end < 0 ? text : text[..end];
            if (row.Trim((byte)'\r').Length > 0) count++;
            text = end < 0 ? default : text[(end + 1)..];
        }
        return count;
    }

    private static void ParseLine(ReadOnlySpan<byte> row, Span<float> pixels, out int label, string source, int lineNumber)
    {
        int field = 0;
        label = -1;
        while (true)
        {
            int comma = row.IndexOf((byte)',');
            ReadOnlySpan<byte> token = comma < 0 ? row : row[..comma];
            if (field >= FieldsPerLine)
                throw Malformed(source, lineNumber, $"has more than {FieldsPerLine} fields");
            int value = ParseInt(token, source, lineNumber, field);
            if (field < 64)
            {
                if (value > MaxPixel)
                    throw Malformed(source, lineNumber, $"pixel {field} is {value}, outside 0..{MaxPixel}");
                pixels[field] = value / (float)MaxPixel;
            }
            else
            {
                if (value > 9)
                    throw new DataException($"{source}: line {lineNumber}: label {value} is out of range 0..9; the file is corrupt or not the digits dataset", source);
                label = value;
            }
            field++;
            if (comma < 0) break;
            row = row[(comma + 1)..];
        }
        if (field != FieldsPerLine)
            throw Malformed(source, lineNumber, $"has {field} fields, expected {FieldsPerLine}");
    }

    private static int ParseInt(ReadOnlySpan<byte> token, string source, int lineNumber, int field)
    {
        token = token.Trim((byte)' ');
        // The file writes integers, but some copies write them as floats ("16.0"); accept a zero fraction.
        int dot = token.IndexOf((byte)'.');
        if (dot >= 0 && token[(dot + 1)..].IndexOfAnyExcept((byte)'0') < 0) token = token[..dot];
        if (token.IsEmpty || token.Length > 6)
            throw Malformed(source, lineNumber, $"field {field + 1} is not a small non-negative integer");
        int value = 0;
        foreach (byte b in token)
        {
            if (b < '0' || b > '9')
                throw Malformed(source, lineNumber, $"field {field + 1} is not a small non-negative integer");
            value = value * 10 + (b - '0');
        }
        return value;
    }

    private static DataException Malformed(string source, int lineNumber, string what) =>
        new($"{source}: line {lineNumber} {what}; the file is corrupt or not the 8x8 digits CSV", source);
}
