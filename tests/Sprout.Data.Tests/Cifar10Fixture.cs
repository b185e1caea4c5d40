// Cifar10Fixture: reads the real CIFAR-10 once per test run (a few seconds) for every test that needs it.
using System.Diagnostics;
using Sprout.TestSupport;

namespace Sprout.Data.Tests;

/// <summary>Loads CIFAR-10 once for all tests that need it (a few seconds).</summary>
public sealed class Cifar10Fixture
{
    private readonly Lazy<DatasetSplits> _splits;

    public Cifar10Fixture() => _splits = new(() =>
    {
        var watch = Stopwatch.StartNew();
        DatasetSplits splits = DatasetRegistry.Load("cifar10", new DataOptions { DataDirectory = TestData.Directory });
        LoadSeconds = watch.Elapsed.TotalSeconds;
        return splits;
    });

    public DatasetSplits Splits => _splits.Value;

    public double LoadSeconds { get; private set; }
}
