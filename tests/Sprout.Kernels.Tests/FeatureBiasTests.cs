// FeatureBias: per-row bias + ReLU on [features × batch] and its backward against the scalar reference, including
// in-place use, the no-bias and no-ReLU cases, the multi-threaded path, NaN propagation and bad sizes.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

[Collection(ThreadsCollection.Name)]
public sealed class FeatureBiasTests
{
    public static TheoryData<int, int> Sizes => new() { { 0, 5 }, { 1, 1 }, { 3, 7 }, { 17, 8 }, { 5, 33 }, { 64, 128 }, { 3000, 130 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ForwardMatchesScalar(int features, int batch)
    {
        foreach (bool relu in new[] { false, true })
            foreach (bool withBias in new[] { false, true })
            {
                var y0 = Shapes.Random(features * batch, (ulong)(features * 31 + batch));
                float[] bias = withBias ? Shapes.Random(features, 3) : [];
                var expected = (float[])y0.Clone();
                var actual = (float[])y0.Clone();
                FeatureBias.Scalar.Forward(expected, bias, features, batch, relu);
                FeatureBias.Forward(actual, bias, features, batch, relu);
                Assert.Equal(expected, actual);
                if (relu) Assert.All(actual, v => Assert.True(v >= 0));
            }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void BackwardMatchesScalar(int features, int batch)
    {
        foreach (bool relu in new[] { false, true })
            foreach (bool inPlace in new[] { false, true })
            {
                var y = Shapes.Random(features * batch, 5);
                FeatureBias.Forward(y, [], features, batch, relu: true); // about half the outputs are exactly 0
                var dy = Shapes.Random(features * batch, 6);
                var db0 = Shapes.Random(features, 7);
                var expectedDz = new float[dy.Length];
                var expectedDb = (float[])db0.Clone();
                FeatureBias.Scalar.Backward(y, dy, expectedDz, expectedDb, features, batch, relu);

                var actualDb = (float[])db0.Clone();
                var actualDz = inPlace ? (float[])dy.Clone() : new float[dy.Length];
                FeatureBias.Backward(y, inPlace ? actualDz : dy, actualDz, actualDb, features, batch, relu);
                Assert.Equal(expectedDz, actualDz);
                // The row sum is vectorized, so it matches the sequential reference up to rounding.
                Approx.Equal(expectedDb, actualDb, 1e-5f, 1e-5f, "bias gradient");
            }
    }

    [Fact]
    public void BackwardWithoutBiasOnlyMasks()
    {
        var y = new float[] { 1, 0, -0f, 2, 0.5f, 0 };
        var dy = new float[] { 1, 2, 3, 4, 5, 6 };
        var dz = new float[6];
        FeatureBias.Backward(y, dy, dz, [], features: 2, batch: 3, relu: true);
        Assert.Equal(new float[] { 1, 0, 0, 4, 5, 0 }, dz);
    }

    [Fact]
    public void ForwardAddsBiasPerRowAndKeepsNaN()
    {
        var y = new float[] { 1, -2, float.NaN, 0, 0, -1 };
        FeatureBias.Forward(y, [0.5f, -0.5f], features: 2, batch: 3, relu: true);
        Assert.Equal(1.5f, y[0]);
        Assert.Equal(0f, y[1]);
        Assert.True(float.IsNaN(y[2]));
        Assert.Equal(new float[] { 0, 0, 0 }, y[3..]);
    }

    [Fact]
    public void ThreadCountDoesNotChangeResults()
    {
        const int features = 4000, batch = 128; // above the parallel threshold
        var y = Shapes.Random(features * batch, 8);
        var dy = Shapes.Random(features * batch, 9);
        var results = new List<(float[] Y, float[] Dz, float[] Db)>();
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                var yy = (float[])y.Clone();
                var dz = new float[dy.Length];
                var db = new float[features];
                FeatureBias.Forward(yy, Shapes.Random(features, 10), features, batch, relu: true);
                FeatureBias.Backward(yy, dy, dz, db, features, batch, relu: true);
                results.Add((yy, dz, db));
            }
        }
        finally { Parallelism.Threads = saved; }
        foreach (var r in results.Skip(1))
        {
            Assert.Equal(results[0].Y, r.Y);
            Assert.Equal(results[0].Dz, r.Dz);
            Assert.Equal(results[0].Db, r.Db);
        }
    }

    [Fact]
    public void RejectsBadSizes()
    {
        Assert.Throws<ArgumentException>(() => FeatureBias.Forward(new float[5], [], 2, 3, relu: true));
        Assert.Throws<ArgumentException>(() => FeatureBias.Forward(new float[6], new float[1], 2, 3, relu: false));
        Assert.Throws<ArgumentException>(() => FeatureBias.Forward(new float[6], [], -1, 3, relu: true));
        Assert.Throws<ArgumentException>(() => FeatureBias.Backward(new float[6], new float[6], new float[5], [], 2, 3, relu: true));
        Assert.Throws<ArgumentException>(() => FeatureBias.Backward(new float[5], new float[6], new float[6], [], 2, 3, relu: true));
        Assert.Throws<ArgumentException>(() => FeatureBias.Backward([], new float[6], new float[6], new float[1], 2, 3, relu: false));
    }
}
