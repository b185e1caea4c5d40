// Activations: SIMD paths against the scalar reference for every length 0..257 (+ odd larger ones).
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public sealed class ActivationsTests
{
    private delegate void Forward(ReadOnlySpan<float> x, Span<float> y);
    private delegate void Backward(ReadOnlySpan<float> a, ReadOnlySpan<float> dy, Span<float> dx);

    public static TheoryData<string> ForwardNames => ["relu", "tanh", "sigmoid", "swish", "swish2"];
    public static TheoryData<string> BackwardNames => ["relu", "tanh", "sigmoid", "swish", "swish2"];

    private static (Forward Fast, Forward Reference, float Atol, float Rtol) ForwardOf(string name) => name switch
    {
        "relu" => (Activations.Relu, Activations.Scalar.Relu, 0f, 0f),
        "tanh" => (Activations.Tanh, Activations.Scalar.Tanh, 1e-6f, 1e-5f),
        "sigmoid" => (Activations.Sigmoid, Activations.Scalar.Sigmoid, 1e-6f, 1e-5f),
        "swish" => ((x, y) => Activations.Swish(x, y, 1f), (x, y) => Activations.Scalar.Swish(x, y, 1f), 1e-6f, 1e-5f),
        _ => ((x, y) => Activations.Swish(x, y, 2.5f), (x, y) => Activations.Scalar.Swish(x, y, 2.5f), 1e-6f, 1e-5f),
    };

    private static (Backward Fast, Backward Reference, float Atol, float Rtol) BackwardOf(string name) => name switch
    {
        "relu" => (Activations.ReluBackward, Activations.Scalar.ReluBackward, 0f, 0f),
        "tanh" => (Activations.TanhBackward, Activations.Scalar.TanhBackward, 0f, 0f),
        "sigmoid" => (Activations.SigmoidBackward, Activations.Scalar.SigmoidBackward, 0f, 0f),
        "swish" => ((x, dy, dx) => Activations.SwishBackward(x, dy, dx, 1f), (x, dy, dx) => Activations.Scalar.SwishBackward(x, dy, dx, 1f), 1e-6f, 1e-5f),
        _ => ((x, dy, dx) => Activations.SwishBackward(x, dy, dx, 2.5f), (x, dy, dx) => Activations.Scalar.SwishBackward(x, dy, dx, 2.5f), 1e-6f, 1e-5f),
    };

    [Theory]
    [MemberData(nameof(ForwardNames))]
    public void ForwardMatchesScalar(string name)
    {
        var (fast, reference, atol, rtol) = ForwardOf(name);
        foreach (int n in Shapes.Lengths())
        {
            var x = Shapes.Random(n, (ulong)n, -6f, 6f);
            var expected = new float[n];
            var actual = Shapes.Random(n, 99);   // garbage that must be overwritten
            reference(x, expected);
            fast(x, actual);
            Approx.Equal(expected, actual, atol, rtol, $"{name} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(BackwardNames))]
    public void BackwardAccumulatesLikeScalar(string name)
    {
        var (fast, reference, atol, rtol) = BackwardOf(name);
        foreach (int n in Shapes.Lengths())
        {
            // relu/tanh/sigmoid backward take the forward output; swish takes the input. Both ranges work for all.
            var a = Shapes.Random(n, (ulong)n, -1f, 1f);
            var dy = Shapes.Random(n, (ulong)n + 500);
            var expected = Shapes.Random(n, (ulong)n + 900);
            var actual = (float[])expected.Clone();
            reference(a, dy, expected);
            fast(a, dy, actual);
            Approx.Equal(expected, actual, atol, rtol, $"{name} n={n}");
        }
    }

    [Fact]
    public void ExtremeInputsMatchScalar()
    {
        float[] x = [-1000f, -88f, -20f, -1e-30f, -0f, 0f, 1e-30f, 20f, 88f, 1000f, -1e30f, 1e30f,
            -3f, 3f, 0.5f, -0.5f, 1e-4f, -1e-4f];
        foreach (string name in new[] { "relu", "tanh", "sigmoid", "swish", "swish2" })
        {
            var (fast, reference, _, _) = ForwardOf(name);
            var expected = new float[x.Length];
            var actual = new float[x.Length];
            reference(x, expected);
            fast(x, actual);
            Approx.Equal(expected, actual, 1e-6f, 1e-5f, name);
        }
    }

    [Fact]
    public void ReluHandlesNaNAndInPlace()
    {
        float[] x = [float.NaN, -1, 2, float.NaN, 3, -4, 5, -6, 7, float.NaN, 1, 1, 1, 1, 1, 1, 1, -1];
        var expected = new float[x.Length];
        Activations.Scalar.Relu(x, expected);
        Activations.Relu(x, x);
        Assert.Equal(expected, x);
    }

    [Fact]
    public void ShortDestinationThrows()
    {
        Assert.Throws<ArgumentException>(() => Activations.Relu(new float[5], new float[4]));
        Assert.Throws<ArgumentException>(() => Activations.TanhBackward(new float[5], new float[5], new float[4]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(37)]
    public void ReluPropagatesNaNOnEveryPath(int length)
    {
        // Every position once NaN: vector bodies and scalar tails alike must pass it through, as PyTorch does,
        // so that a diverging run stops with a clear message instead of silently training on zeros.
        for (int at = 0; at < length; at++)
        {
            var x = Shapes.Random(length, (ulong)at);
            x[at] = float.NaN;
            var y = new float[length];
            Activations.Relu(x, y);
            Assert.True(float.IsNaN(y[at]), $"length {length}: NaN at {at} became {y[at]}");
            var r = new float[length];
            Activations.Scalar.Relu(x, r);
            Assert.True(float.IsNaN(r[at]));
        }
    }
}
