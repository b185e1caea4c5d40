// GEMM benchmarks: square sizes (compare with `sprout bench gemm`), and the shapes of an MLP 784-300-100-10
// with batch 100, which dominate MNIST training (forward X·Wᵀ, input gradient dY·W, weight gradient dYᵀ·X).
using BenchmarkDotNet.Attributes;
using Sprout.Kernels;

namespace Sprout.Bench;

[ShortJob]
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    [Params(128, 512, 1024)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = Enumerable.Range(0, N * N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, N * N).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[N * N];
    }

    [Benchmark]
    public void Square() => Gemm.Multiply(_a, _b, _c, N, N, N);
}

[ShortJob]
[MemoryDiagnoser]
public class MlpGemmBenchmarks
{
    private readonly float[] _x = Fill(100 * 784), _w = Fill(300 * 784), _dy = Fill(100 * 300);
    private readonly float[] _y = new float[100 * 300], _dx = new float[100 * 784], _dw = new float[300 * 784];

    private static float[] Fill(int n)
    {
        var rng = new Random(n);
        return Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
    }

    /// <summary>Y[100×300] = X[100×784]·W[300×784]ᵀ.</summary>
    [Benchmark]
    public void Forward() => Gemm.Multiply(_x, _w, _y, 100, 300, 784, transB: true);

    /// <summary>dX[100×784] = dY[100×300]·W[300×784].</summary>
    [Benchmark]
    public void InputGradient() => Gemm.Multiply(_dy, _w, _dx, 100, 784, 300);

    /// <summary>dW[300×784] += dY[100×300]ᵀ·X[100×784].</summary>
    [Benchmark]
    public void WeightGradient() => Gemm.Multiply(_dy, _x, _dw, 300, 784, 100, transA: true, accumulate: true);
}
