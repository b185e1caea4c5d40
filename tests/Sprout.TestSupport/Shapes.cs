// Random inputs for kernel tests: every size 0..257 once, then odd shapes, from a fixed seed.
using Sprout.Core;

namespace Sprout.TestSupport;

public static class Shapes
{
    /// <summary>Lengths 0..257 (every tail branch of a vector loop) plus a few larger odd ones.</summary>
    public static IEnumerable<int> Lengths() => Enumerable.Range(0, 258).Concat([511, 1023, 4099]);

    /// <summary>A deterministic array of U(−1, 1) values.</summary>
    public static float[] Random(int length, ulong seed, float low = -1f, float high = 1f)
    {
        var rng = new Rng(seed);
        var a = new float[length];
        rng.FillUniform(a, low, high);
        return a;
    }
}
