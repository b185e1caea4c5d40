// LinuxFactAttribute: a fact that needs Linux's special files (/dev/zero, a read-only /sys) and is reported as
// skipped elsewhere instead of passing without asserting anything.
namespace Sprout.Cli.Tests;

public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/zero") || !Directory.Exists("/sys"))
            Skip = "Needs Linux (/dev/zero and /sys).";
    }
}
