// Tests that measure process-wide allocation (GC.GetTotalAllocatedBytes) must not share the process with
// tests running in parallel, or they count other tests' garbage. Mark such classes [Collection(ProcessMemory.Name)];
// each test project declares the collection (xunit finds definitions only in the test assembly itself).
namespace Sprout.TestSupport;

/// <summary>Name of the non-parallel collection for process-wide memory measurements.</summary>
public static class ProcessMemory
{
    /// <summary>The collection name.</summary>
    public const string Name = "Process-wide memory measurements";
}
