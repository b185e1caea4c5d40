// Reductions: row arg-max (ties, NaN, ±0) and sum of squares against the scalar reference.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class ReductionsTests
{
    [Fact]
    public void ArgMaxRowsMatchesScalar()
    {
        foreach (int rows in new[] { 0, 1, 5 })
            foreach (int cols in Shapes.Lengths())
            {
                var x = Shapes.Random(rows * cols, (ulong)(rows * 977 + cols));
                // Coarse values make ties common, so "first on ties" is exercised.
                var coarse = x.Select(v => MathF.Round(v * 3)).ToArray();
                foreach (var data in new[] { x, coarse })
                {
                    var expected = new int[rows];
                    var actual = new int[rows];
                    Reductions.Scalar.ArgMaxRows(data, expected, rows, cols);
                    Reductions.ArgMaxRows(data, actual, rows, cols);
                    Assert.Equal(expected, actual);
                }
            }
    }

    [Fact]
    public void ArgMaxRowsNaNAndSignedZeroLikeScalar()
    {
        const int cols = 40;
        var rows = new List<float[]>();
        var a = new float[cols]; a[0] = float.NaN; a[17] = 5; rows.Add(a);                  // leading NaN → 0
        var b = new float[cols]; Array.Fill(b, -1f); b[3] = float.NaN; b[20] = 2; rows.Add(b); // NaN skipped
        var c = new float[cols]; Array.Fill(c, -1f); c[9] = -0f; c[4] = 0f; rows.Add(c);    // ±0 tie → first
        var d = new float[cols]; Array.Fill(d, float.NaN); d[0] = -3f; rows.Add(d);
        var e = new float[cols]; Array.Fill(e, float.NegativeInfinity); rows.Add(e);
        var x = rows.SelectMany(r => r).ToArray();
        var expected = new int[rows.Count];
        var actual = new int[rows.Count];
        Reductions.Scalar.ArgMaxRows(x, expected, rows.Count, cols);
        Reductions.ArgMaxRows(x, actual, rows.Count, cols);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void SumOfSquaresMatchesScalar()
    {
        foreach (int n in Shapes.Lengths())
        {
            var x = Shapes.Random(n, (ulong)n, -10f, 10f);
            Approx.Equal(Reductions.Scalar.SumOfSquares(x), Reductions.SumOfSquares(x), 1e-12, 1e-12, $"n={n}");
        }
    }

    [Fact]
    public void RejectsShortSpans()
    {
        Assert.Throws<ArgumentException>(() => Reductions.ArgMaxRows(new float[5], new int[2], 2, 3));
        Assert.Throws<ArgumentException>(() => Reductions.ArgMaxRows(new float[6], new int[1], 2, 3));
    }
}
