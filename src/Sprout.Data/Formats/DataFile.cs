// DataFile: opening dataset files that may be raw or gzipped, and reading them with errors that say
// which file and what went wrong. Gzip is detected by its magic bytes, not by the name, so a renamed
// file still reads. This is not a general I/O layer: it exists so every reader fails the same way.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Sprout.Data.Formats;

internal static class DataFile
{
    /// <summary>Chunk size for streaming reads: large enough to amortize calls, small enough to stay in L2.</summary>
    internal const int ChunkBytes = 1 << 18;

    private const int FileBufferBytes = 1 << 16;

    /// <summary>Deflate's largest possible expansion (1032:1, rounded up).</summary>
    private const long MaxDeflateRatio = 1040;

    /// <summary>The first of <paramref name="names"/> (each also tried with ".gz") that exists in the directory.</summary>
    public static string? Find(string directory, params ReadOnlySpan<string> names)
    {
        foreach (string name in names)
        {
            string raw = Path.Combine(directory, name);
            if (File.Exists(raw)) return raw;
            if (File.Exists(raw + ".gz")) return raw + ".gz";
        }
        return null;
    }

    /// <summary>True when the file starts with the gzip magic bytes 1f 8b.</summary>
    public static bool IsGzip(string path)
    {
        using var file = OpenFile(path, FileBufferBytes);
        return file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
    }

    /// <summary>Opens the file for one sequential pass, decompressing transparently when it is gzip.</summary>
    public static Stream OpenRead(string path)
    {
        FileStream file = OpenFile(path, FileBufferBytes);
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        return b0 == 0x1f && b1 == 0x8b ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
    }

    /// <summary>
    /// The decompressed length: the file length for raw files, the gzip trailer's ISIZE for gzip files.
    /// ISIZE is the length modulo 2^32, which is exact for every dataset file we read (all under 4 GB);
    /// callers still check that the stream delivers exactly this many bytes.
    /// </summary>
    public static long DecompressedLength(string path)
    {
        using FileStream file = OpenFile(path, 4096);
        bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        if (!gzip) return file.Length;
        if (file.Length < 18)
            throw new DataException($"{path}: gzip file is only {file.Length} bytes, too short to hold any data; delete it and download it again", path);
        Span<byte> trailer = stackalloc byte[4];
        file.Position = file.Length - 4;
        file.ReadExactly(trailer);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        // Deflate expands at most about 1032:1, so a larger claim is a truncated file's stray bytes, not a size
        // (trusting it let a 52-byte file make a reader allocate gigabytes).
        if (size > MaxDeflateRatio * file.Length)
            throw new DataException($"{path}: the gzip file is truncated or corrupt (its size trailer claims {size} bytes, impossible for a {file.Length}-byte file); delete it and download it again", path);
        return size;
    }

    /// <summary>The number of bytes the file really decompresses to (read to the end; for error messages only).</summary>
    public static long CountDecompressed(string path)
    {
        using Stream stream = OpenRead(path);
        byte[] buffer = new byte[ChunkBytes];
        long total = 0;
        int n;
        while ((n = ReadAtMost(stream, buffer, path)) > 0) total += n;
        return total;
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> completely or throws a <see cref="DataException"/>: "truncated" on a short
    /// read, "not a valid gzip stream" when decompression fails. <paramref name="offset"/> is the position in the
    /// decompressed content where this read starts, used only in the message.
    /// </summary>
    public static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what, long offset)
    {
        int got = ReadAtMost(stream, buffer, path);
        if (got < buffer.Length)
            throw new DataException(
                $"{path}: truncated: {what} needs {buffer.Length} bytes at offset {offset} but the file ends after {offset + got}; the file is incomplete, delete it and download it again",
                path);
    }

    /// <summary>Reads until the buffer is full or the stream ends; returns the count. Gzip errors become DataException.</summary>
    public static int ReadAtMost(Stream stream, Span<byte> buffer, string path)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer[total..]);
                if (n == 0) break;
                total += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw BadGzip(path, e);
        }
        return total;
    }

    /// <summary>True when the stream has no more bytes (used to reject trailing garbage).</summary>
    public static bool AtEnd(Stream stream, string path)
    {
        Span<byte> one = stackalloc byte[1];
        return ReadAtMost(stream, one, path) == 0;
    }

    public static DataException BadGzip(string path, Exception inner) =>
        new($"{path}: not a valid gzip stream ({inner.Message}); the file is corrupt, delete it and download it again", path, inner);

    private static FileStream OpenFile(string path, int bufferSize)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataException($"{path}: file not found; {DataException.FixHint(null)}", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path}: cannot open the file ({e.Message})", path, e);
        }
    }
}
