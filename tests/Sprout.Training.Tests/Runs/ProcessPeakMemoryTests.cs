// ProcessPeakMemory: after Reset, the peak no longer counts memory that was freed before it, so each run of a sweep
// reports its own peak. Alone in its collection: other tests' allocations would move the process's peak.
using System.Runtime.CompilerServices;
using Sprout.Training.Runs;

namespace Sprout.Training.Tests.Runs;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "ProcessMemory";
}

[Collection(ProcessMemoryCollection.Name)]
public sealed class ProcessPeakMemoryTests
{
    [Fact]
    public void ResetForgetsMemoryFreedBeforeIt()
    {
        if (!OperatingSystem.IsLinux()) return; // elsewhere the peak cannot be restarted (Reset returns false)
        TouchAndDrop(400 << 20);
        double before = ProcessPeakMemory.MiB();
        Assert.True(ProcessPeakMemory.Reset());
        double after = ProcessPeakMemory.MiB();
        Assert.True(after < before - 200, $"peak {before:F0} MiB before the reset, {after:F0} MiB after");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TouchAndDrop(int bytes)
    {
        var block = new byte[bytes];
        for (int i = 0; i < block.Length; i += 4096) block[i] = 1; // resident, not just reserved
        GC.KeepAlive(block);
    }
}
