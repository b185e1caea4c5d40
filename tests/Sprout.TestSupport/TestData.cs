// Locates the real datasets (../shared/data in this workplace, or $SPROUT_DATA) for tests that need them,
// and lets such tests skip cleanly when the data is absent.
namespace Sprout.TestSupport;

public static class TestData
{
    private static readonly Lazy<string?> Dir = new(Find);

    /// <summary>The data directory, or null when none is present.</summary>
    public static string? Directory => Dir.Value;

    /// <summary>Path of a file under the data directory (throws if the directory is absent).</summary>
    public static string PathOf(params string[] parts) =>
        Path.Combine([Directory ?? throw new InvalidOperationException("No data directory."), .. parts]);

    private static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable("SPROUT_DATA");
        if (!string.IsNullOrEmpty(env) && System.IO.Directory.Exists(env)) return env;
        // Walk up from the test binary: the repo sits beside shared/ (…/main/tests/X/bin/… → …/shared/data).
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "data");
            if (System.IO.Directory.Exists(Path.Combine(candidate, "mnist"))) return candidate;
        }
        return null;
    }
}

/// <summary>A fact that is skipped (not failed) when the real datasets are not on this machine.</summary>
public sealed class RequiresDataFactAttribute : Xunit.FactAttribute
{
    public RequiresDataFactAttribute()
    {
        if (TestData.Directory is null) Skip = "Real datasets not found (set SPROUT_DATA or place shared/data beside the repo).";
    }
}
