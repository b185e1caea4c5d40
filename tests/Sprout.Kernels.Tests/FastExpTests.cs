// FastExp (the kernels' vector e^x) against MathF.Exp at every vector width: a dense sweep of the range where the
// result is a normal float, random arguments, and the edges it documents (overflow to +∞, flush below the normal
// range, NaN, ±∞).
using System.Runtime.Intrinsics;
using Sprout.Kernels;

namespace Sprout.Kernels.Tests;

public sealed class FastExpTests
{
    /// <summary>FastExp at each width over <paramref name="x"/> (a multiple of 16 long), lane by lane.</summary>
    private static IEnumerable<(string Width, float[] Y)> AllWidths(float[] x)
    {
        float[] y512 = new float[x.Length], y256 = new float[x.Length], y128 = new float[x.Length];
        for (int i = 0; i < x.Length; i += 16)
        {
            FastExp.Of(Vector512.Create(x.AsSpan(i, 16))).CopyTo(y512.AsSpan(i));
            FastExp.Of(Vector256.Create(x.AsSpan(i, 8))).CopyTo(y256.AsSpan(i));
            FastExp.Of(Vector256.Create(x.AsSpan(i + 8, 8))).CopyTo(y256.AsSpan(i + 8));
            for (int j = 0; j < 16; j += 4) FastExp.Of(Vector128.Create(x.AsSpan(i + j, 4))).CopyTo(y128.AsSpan(i + j));
        }
        return [("512", y512), ("256", y256), ("128", y128)];
    }

    [Fact]
    public void WithinAFewUlpsOfMathFExpOverTheNormalRange()
    {
        var rng = new Random(7);
        var x = new float[4096];
        for (int i = 0; i < x.Length; i++)
            x[i] = i < 2048 ? -87f + 175f * i / 2048 : (float)(rng.NextDouble() * 175 - 87);
        foreach (var (width, y) in AllWidths(x))
            for (int i = 0; i < x.Length; i++)
            {
                float e = MathF.Exp(x[i]);
                Assert.True(MathF.Abs(y[i] - e) <= 4e-7f * e, $"width {width}: exp({x[i]}) = {y[i]}, expected {e}");
            }
    }

    [Fact]
    public void EdgesOverflowFlushAndPropagateNaN()
    {
        float[] x = [float.PositiveInfinity, 89f, 100f, float.NegativeInfinity, -88f, -200f, float.NaN, 0f, -0f, 1f, -1f, 88f, -87f, 1e-30f, -1e-30f, 0.5f];
        foreach (var (width, y) in AllWidths(x))
        {
            Assert.True(float.IsPositiveInfinity(y[0]) && float.IsPositiveInfinity(y[1]) && float.IsPositiveInfinity(y[2]), $"width {width}: overflow");
            Assert.True(y[3] == 0 && y[4] == 0 && y[5] == 0, $"width {width}: below the normal range");
            Assert.True(float.IsNaN(y[6]), $"width {width}: NaN");
            Assert.True(y[7] == 1 && y[8] == 1 && y[13] == 1 && y[14] == 1, $"width {width}: e^0");
            for (int i = 9; i < 16; i++)
                if (i is not 13 and not 14) Assert.True(MathF.Abs(y[i] - MathF.Exp(x[i])) <= 4e-7f * MathF.Exp(x[i]), $"width {width}: exp({x[i]})");
        }
    }
}
