// Elementwise kernel benchmarks: fast path against the scalar reference on a layer-sized vector
// (300·784 weights, 100·300 activations), so the speed-up of each SIMD path is visible as a ratio.
using BenchmarkDotNet.Attributes;
using Sprout.Kernels;

namespace Sprout.Bench;

[ShortJob]
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private const int Weights = 300 * 784, Rows = 100, Classes = 10;
    private readonly float[] _w = new float[Weights], _g = new float[Weights], _m = new float[Weights], _v = new float[Weights];
    private readonly float[] _x = new float[100 * 300], _y = new float[100 * 300];
    private readonly float[] _logits = new float[Rows * Classes], _dLogits = new float[Rows * Classes];
    private readonly int[] _labels = new int[Rows];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        foreach (var a in new[] { _w, _g, _x, _logits }) for (int i = 0; i < a.Length; i++) a[i] = (float)rng.NextDouble() - 0.5f;
        for (int i = 0; i < Rows; i++) _labels[i] = i % Classes;
    }

    [Benchmark(Baseline = true)]
    public void AdamScalar() => OptimizerUpdates.Scalar.Adam(_w, _g, _m, _v, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, 10);

    [Benchmark]
    public void Adam() => OptimizerUpdates.Adam(_w, _g, _m, _v, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, true, 10);

    [Benchmark]
    public void ReluScalar() => Activations.Scalar.Relu(_x, _y);

    [Benchmark]
    public void Relu() => Activations.Relu(_x, _y);

    [Benchmark]
    public void SwishScalar() => Activations.Scalar.Swish(_x, _y, 1f);

    [Benchmark]
    public void Swish() => Activations.Swish(_x, _y, 1f);

    [Benchmark]
    public float SoftmaxCrossEntropyScalar() => Losses.Scalar.SoftmaxCrossEntropy(_logits, _labels, _dLogits, Rows, Classes, 0.1f);

    [Benchmark]
    public float SoftmaxCrossEntropy() => Losses.SoftmaxCrossEntropy(_logits, _labels, _dLogits, Rows, Classes, 0.1f);
}
