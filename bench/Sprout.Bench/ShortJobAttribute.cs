// A short BenchmarkDotNet job for a 2-core machine shared with other work: few launches and iterations,
// so a full run of the suite takes minutes, and the numbers are read as ratios within one run.
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Sprout.Bench;

[AttributeUsage(AttributeTargets.Class)]
public sealed class ShortJobAttribute : Attribute, IConfigSource
{
    public ShortJobAttribute()
    {
        Config = ManualConfig.CreateEmpty()
            .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8).WithId("Short"));
    }

    public IConfig Config { get; }
}
