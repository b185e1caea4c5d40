// Exact GELU: the vector path against the scalar reference at every length 0..257 (every tail), reference
// values of x·Φ(x) (PyTorch's nn.GELU() default), and Φ against a double-precision erf series.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

public sealed class GeluTests
{
    [Fact]
    public void VectorPathMatchesScalarAtEveryLength()
    {
        foreach (int n in Shapes.Lengths())
        {
            var x = Shapes.Random(n, (ulong)n + 1, -6f, 6f);
            float[] yE = new float[n], yA = new float[n];
            Activations.Scalar.Gelu(x, yE);
            Activations.Gelu(x, yA);
            Approx.Equal(yE, yA, 1e-6f, 1e-5f, $"forward n={n}");
            var dy = Shapes.Random(n, (ulong)n + 500);
            float[] dxE = Shapes.Random(n, 7), dxA = (float[])dxE.Clone();
            Activations.Scalar.GeluBackward(x, dy, dxE);
            Activations.GeluBackward(x, dy, dxA);
            Approx.Equal(dxE, dxA, 1e-6f, 1e-5f, $"backward n={n}");
            float[] wE = new float[n], wA = Shapes.Random(n, 8);   // overwrite: old contents must not matter
            Activations.Scalar.GeluBackward(x, dy, wE);
            Activations.GeluBackward(x, dy, wA, accumulate: false);
            Approx.Equal(wE, wA, 1e-6f, 1e-5f, $"backward overwritten n={n}");
        }
    }

    [Fact]
    public void MatchesExactGeluValues()
    {
        // x·Φ(x) with Φ from a double erf series: the erf form, not the tanh approximation (which differs by ~1e-4 near ±2).
        var x = Enumerable.Range(0, 161).Select(i => -8f + i * 0.1f).Append(0f).Append(1e-20f).ToArray();
        var y = new float[x.Length];
        Activations.Gelu(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = x[i] * 0.5 * (1 + Erf(x[i] / Math.Sqrt(2)));
            Approx.Equal(expected, y[i], 3e-7, 1e-6, $"gelu({x[i]})");
        }
        Approx.Equal(0.8413447460685429, y[90], 1e-6, 0, "gelu(1)");     // x[90] = 1
        Approx.Equal(-0.15865525393145707, y[70], 1e-6, 0, "gelu(−1)"); // x[70] = −1
    }

    [Fact]
    public void DerivativeMatchesCentralDifferences()
    {
        var x = Enumerable.Range(0, 81).Select(i => -4f + i * 0.1f + 0.013f).ToArray();
        var dx = new float[x.Length];
        Activations.GeluBackward(x, Enumerable.Repeat(1f, x.Length).ToArray(), dx);
        for (int i = 0; i < x.Length; i++)
        {
            const double h = 1e-4;
            static double g(double v) => v * 0.5 * (1 + Erf(v / Math.Sqrt(2)));
            Approx.Equal((g(x[i] + h) - g(x[i] - h)) / (2 * h), dx[i], 2e-6, 1e-5, $"gelu'({x[i]})");
        }
    }

    /// <summary>erf by its Maclaurin series (|z| &lt; 3) or continued fraction for erfc, in double: an independent oracle.</summary>
    private static double Erf(double z)
    {
        if (Math.Abs(z) > 3)
        {
            // erfc(z) = e^(−z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + …)))) for z > 0.
            double a = Math.Abs(z), f = a;
            for (int n = 60; n >= 1; n--) f = a + n / 2.0 / f;
            double erfc = Math.Exp(-a * a) / Math.Sqrt(Math.PI) / f;
            return Math.Sign(z) * (1 - erfc);
        }
        double sum = 0, term = z;
        for (int n = 0; n < 100; n++)
        {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
