// Declares the non-parallel collection for tests that measure process-wide allocation (see TestSupport).
using Sprout.TestSupport;

namespace Sprout.Nn.Tests;

/// <summary>Runs its classes alone, after the parallel tests.</summary>
[CollectionDefinition(ProcessMemory.Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection;
