// TempDir: a per-test temporary directory, deleted on dispose, for run directories, checkpoints and
// synthetic data files. Deletion is best effort so that a file still held open cannot fail a passing test.
namespace Sprout.TestSupport;

/// <summary>A fresh directory under the system temp folder, deleted (with its contents) on dispose.</summary>
public sealed class TempDir(string prefix = "sprout-test") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix + "-").FullName;

    /// <summary>The full path of <paramref name="parts"/> joined under the directory (nothing is created).</summary>
    public string PathOf(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes bytes under the directory (creating folders) and returns the full path.</summary>
    public string Write(string relative, byte[] content)
    {
        string full = PathOf(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
