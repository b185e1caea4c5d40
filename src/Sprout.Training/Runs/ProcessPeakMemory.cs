// ProcessPeakMemory: the process's peak resident set, what summary.json reports as peak_memory_mb. On Linux it is
// VmHWM, the number `/usr/bin/time -f %M` prints (in KiB); elsewhere the OS's peak working set. On Linux the peak can
// also be restarted, which matters when one process runs several things one after another (`sprout sweep` trains its
// runs in one process, the scale benchmark its widths): each then reports its own peak, not the largest so far.
using System.Diagnostics;
using System.Runtime;

namespace Sprout.Training.Runs;

/// <summary>Reads and restarts the peak resident memory of this process.</summary>
public static class ProcessPeakMemory
{
    /// <summary>Peak resident memory in MiB since the process started or since the last successful <see cref="Reset"/>.</summary>
    public static double MiB()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / 1048576.0;
    }

    /// <summary>
    /// Collects everything unreachable (compacting, and returning the freed memory to the OS), then restarts the peak at the
    /// current resident set (Linux: writing 5 to /proc/self/clear_refs). Returns false where the peak cannot be restarted;
    /// <see cref="MiB"/> then keeps counting from the process start.
    /// </summary>
    public static bool Reset()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
