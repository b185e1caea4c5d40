// Allocation measurement for "allocates nothing in steady state" tests. Tiered JIT can swap code in mid-measurement
// (on-stack replacement, call counting) and the runtime may allocate for that on the calling thread; that is not the
// code under test, so the measurement is repeated over windows of calls until one window is clean.
namespace Sprout.TestSupport;

public static class Allocations
{
    /// <summary>
    /// Bytes allocated on this thread by <paramref name="calls"/> runs of <paramref name="run"/>, in successive windows
    /// until a window allocates nothing or <paramref name="windows"/> have run: 0 for code that allocates nothing once warm.
    /// </summary>
    public static long OnceSettled(Action run, int calls = 5, int windows = 20)
    {
        long bytes = long.MaxValue;
        for (int w = 0; w < windows && bytes != 0; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) run();
            bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return bytes;
    }
}
