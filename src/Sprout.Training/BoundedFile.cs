// BoundedFile: reads a whole input file (config, checkpoint) only if it is an ordinary file of bounded size.
// File.ReadAllBytes on /dev/zero or a /proc file reads until memory runs out, because such files report length 0
// and never end; here the length is taken up front, capped, and a file that delivers more than its length (a
// device, a pipe, a file growing under us) is refused instead of read.
namespace Sprout.Training;

/// <summary>Size-capped whole-file reads for user-supplied inputs.</summary>
public static class BoundedFile
{
    /// <summary>
    /// The bytes of <paramref name="path"/>. <paramref name="fail"/> builds the exception for a one-line reason
    /// ("is a folder", "is 5 GB, more than the 2 GB limit", "is not a regular file", "cannot be read: …").
    /// </summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, Func<string, Exception> fail)
    {
        if (Directory.Exists(path)) throw fail("is a folder, not a file");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw fail("does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw fail($"cannot be read ({e.Message})");
        }
        using (stream)
        {
            if (!stream.CanSeek) throw fail("is not a regular file (a pipe or device)");
            long length = stream.Length;
            if (length > maxBytes) throw fail($"is {length} bytes, more than the {maxBytes}-byte limit for this kind of file");
            var bytes = new byte[length];
            try
            {
                stream.ReadExactly(bytes);
                // A regular file ends at its length; a device (/dev/zero) or a file still being written does not.
                if (stream.ReadByte() != -1) throw fail("is not a regular file (it has more data than its size; a device, or a file still being written)");
            }
            catch (EndOfStreamException)
            {
                throw fail("got shorter while it was read (is it being written?)");
            }
            catch (IOException e)
            {
                throw fail($"cannot be read ({e.Message})");
            }
            return bytes;
        }
    }
}
