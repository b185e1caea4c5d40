// DataDirectory: where dataset files are looked for. Order: an explicit directory (the CLI's --data-dir),
// then $SPROUT_DATA, then ./data, then the first shared/data found walking up from the current directory
// (and from the program's own directory, so a built CLI inside a checkout finds the workplace's data).
// The first candidate that is given or exists wins; there is no merging across candidates.
namespace Sprout.Data;

/// <summary>Resolves the data directory and describes the search for error messages.</summary>
public static class DataDirectory
{
    /// <summary>Environment variable that names the data directory.</summary>
    public const string EnvironmentVariable = "SPROUT_DATA";

    /// <summary>
    /// The data directory to read from: <paramref name="explicitDirectory"/> if given (even if it does not exist,
    /// so errors name it), else $SPROUT_DATA if set, else ./data if it exists, else the nearest shared/data above
    /// the current or program directory; null when none applies.
    /// </summary>
    public static string? Resolve(string? explicitDirectory) =>
        Resolve(explicitDirectory, Environment.GetEnvironmentVariable(EnvironmentVariable), Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    /// <summary>Where downloads go: <paramref name="explicitDirectory"/>, else $SPROUT_DATA, else ./data (never a found shared/data).</summary>
    public static string ForDownload(string? explicitDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory)) return Path.GetFullPath(explicitDirectory);
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(env) ? "data" : env);
    }

    /// <summary>One phrase saying where the directory came from, for messages ("from --data-dir", "from SPROUT_DATA", …).</summary>
    public static string DescribeSource(string? explicitDirectory) =>
        DescribeSource(explicitDirectory, Environment.GetEnvironmentVariable(EnvironmentVariable), Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    /// <summary>Testable core of <see cref="Resolve(string?)"/>: the environment and directories are passed in.</summary>
    internal static string? Resolve(string? explicitDirectory, string? environment, string currentDirectory, string programDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory)) return Path.GetFullPath(explicitDirectory, currentDirectory);
        if (!string.IsNullOrWhiteSpace(environment)) return Path.GetFullPath(environment, currentDirectory);
        string local = Path.Combine(currentDirectory, "data");
        if (Directory.Exists(local)) return local;
        return FindSharedData(currentDirectory) ?? FindSharedData(programDirectory);
    }

    internal static string DescribeSource(string? explicitDirectory, string? environment, string currentDirectory, string programDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory)) return "from --data-dir";
        if (!string.IsNullOrWhiteSpace(environment)) return $"from {EnvironmentVariable}";
        string? found = Resolve(null, null, currentDirectory, programDirectory);
        if (found is null)
            return $"no data directory found: no --data-dir, {EnvironmentVariable} unset, no ./data in {currentDirectory}, no shared/data above it";
        return found == Path.Combine(currentDirectory, "data") ? "./data" : "found by walking up to shared/data";
    }

    private static string? FindSharedData(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}
