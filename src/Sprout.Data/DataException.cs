// DataException: the one error type the data layer throws for problems with files on disk or downloads.
// Its message is a single line naming the file, what was wrong and what to do, so the CLI can print it
// as is and exit with code 2. Programming errors (bad arguments) stay ArgumentException.
namespace Sprout.Data;

/// <summary>
/// A problem with a dataset's files: missing, truncated, corrupt, inconsistent, or failing to download.
/// <see cref="Exception.Message"/> is always one line that names the file and says what to do.
/// </summary>
public sealed class DataException : Exception
{
    /// <summary>Creates the exception; newlines in <paramref name="message"/> are flattened to keep it one line.</summary>
    public DataException(string message, string? filePath = null, Exception? innerException = null)
        : base(OneLine(message), innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file the problem is about, when there is one.</summary>
    public string? FilePath { get; }

    /// <summary>The advice appended to messages about missing or damaged files.</summary>
    internal static string FixHint(string? dataset) =>
        $"pass --data-dir DIR, set {DataDirectory.EnvironmentVariable}, or run `sprout data download {dataset ?? "NAME"}`";

    internal static string OneLine(string text) =>
        text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
}
