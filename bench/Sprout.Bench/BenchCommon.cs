// BenchCommon: the small helpers the ViT, attention, projection and conv benchmarks share (an integer option, a
// wall-clock timing in milliseconds, a median), written once so the benchmarks parse and summarise alike.
using System.Diagnostics;
using System.Globalization;

namespace Sprout.Bench;

internal static class BenchCommon
{
    /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, else <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Wall-clock milliseconds of one call.</summary>
    public static double Time(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    /// <summary>The median of <paramref name="t"/> (the mean of the middle two for an even count).</summary>
    public static double Median(List<double> t)
    {
        var s = t.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
