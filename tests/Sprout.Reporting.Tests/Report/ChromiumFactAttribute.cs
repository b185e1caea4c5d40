// ChromiumFact: a test that needs headless Chromium; skipped with the install command where it is missing.
namespace Sprout.Reporting.Tests.Report;

[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null) Skip = "Chromium not found on PATH: install it (Debian: apt-get install -y chromium) to run the browser test.";
    }
}
