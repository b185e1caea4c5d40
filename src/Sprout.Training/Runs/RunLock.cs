// RunLock: the lock a running `sprout train` holds on its run folder (sprout.lock), so that a second process
// (another train, a sweep, --overwrite, --resume) is refused instead of interleaving its files with a live run.
// The lock is an OS file lock (FileShare.None, flock on Linux/macOS) on sprout.lock, not the file's existence:
// the OS drops it when the process dies, even on SIGKILL or power loss, so a stale sprout.lock never blocks.
// The file's text (pid, host, start time) is for people: `cat` reads it, .NET readers cannot while it is locked.
using System.Globalization;
using System.Text;

namespace Sprout.Training.Runs;

/// <summary>An exclusive, crash-safe lock on a run folder.</summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file's name inside the run folder.</summary>
    public const string FileName = "sprout.lock";

    private readonly FileStream _stream;
    private readonly string _path;

    private RunLock(FileStream stream, string path) => (_stream, _path) = (stream, path);

    /// <summary>Takes the lock on <paramref name="folder"/> (which must exist).</summary>
    /// <exception cref="RunFolderInUseException">Another live process holds it.</exception>
    public static RunLock Acquire(string folder)
    {
        string path = Path.Combine(folder, FileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new RunFolderInUseException(
                $"Run folder {folder} is in use by another Sprout process (its pid is in {FileName}); wait for it to finish or stop it, or choose another --out.", e);
        }
        string owner = string.Create(CultureInfo.InvariantCulture,
            $"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");
        stream.SetLength(0);
        stream.Write(Encoding.UTF8.GetBytes(owner + "\n"));
        stream.Flush();
        return new RunLock(stream, path);
    }

    /// <summary>Releases the lock and removes sprout.lock.</summary>
    public void Dispose()
    {
        // Delete while still holding the lock, so no other process can take it in between and lose its file.
        try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stream.Dispose();
    }
}
