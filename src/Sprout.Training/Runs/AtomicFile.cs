// AtomicFile: replaces a file so that a reader (or a process killed at any instruction, or a full disk) sees
// either the old complete file or the new complete one, never a mix: write "<name>.tmp", flush it to the disk,
// then rename it over the target. A failed write removes its temporary file instead of leaving it behind.
namespace Sprout.Training.Runs;

/// <summary>Crash-safe whole-file replacement.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> through a flushed temporary file and a rename.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true); // the rename must not reach the disk before the data does
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Copies <paramref name="source"/> over <paramref name="path"/> atomically (see <see cref="WriteAllBytes"/>).</summary>
    public static void Copy(string source, string path)
    {
        string temp = path + ".tmp";
        try
        {
            File.Copy(source, temp, overwrite: true);
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite)) stream.Flush(flushToDisk: true);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes a file if it can; a failure to clean up must not hide the error that caused it.</summary>
    public static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
