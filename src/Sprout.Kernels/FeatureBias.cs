// Bias and ReLU on feature-major activations [features × batch] (the layout the CSR kernels read and write).
// The bias is one value per row, broadcast along the contiguous batch, so bias + ReLU and their backward
// (ReLU mask, then the bias gradient as a row sum) are each one pass over a row that stays in L1. Sparse layers
// use these to keep their epilogue in their own layout instead of transposing to sample-major and back.
// Rows are independent, so large matrices are split over threads by rows; each row's sum is computed by one
// thread in a fixed order, so the result does not depend on the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>Per-row bias and optional ReLU for [features × batch] row-major matrices.</summary>
public static unsafe class FeatureBias
{
    // Below this many elements one thread is faster than waking a helper.
    private const int ParallelElements = 1 << 18;
    private const int RowsPerPart = 64;

    /// <summary>
    /// In place: y[f, b] = act(y[f, b] + bias[f]), with act = ReLU (NaN passes through, as in <see cref="Activations.Relu"/>)
    /// or the identity. An empty <paramref name="bias"/> means no bias.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void Forward(Span<float> y, ReadOnlySpan<float> bias, int features, int batch, bool relu)
    {
        Check(y.Length, bias.Length, features, batch, nameof(y));
        if (bias.IsEmpty && !relu) return;
        fixed (float* py = y, pb = bias)
            Run(new Job { Y = py, Dy = py, Bias = pb, Batch = batch, Features = features, Relu = relu, Backward = false }, features, batch);
    }

    /// <summary>
    /// dz[f, b] = (ReLU ? (y[f, b] &gt; 0 ? dy[f, b] : 0) : dy[f, b]), and dBias[f] += Σ_b dz[f, b] (skipped when
    /// <paramref name="dBias"/> is empty). <paramref name="y"/> is the forward output; dz may be dy (in place), or
    /// dy itself when there is no ReLU. Overwrites dz (it is the pre-activation gradient, not an accumulation).
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, Span<float> dBias, int features, int batch, bool relu)
    {
        Check(dy.Length, dBias.Length, features, batch, nameof(dy));
        Simd.RequireLength((int)Math.Min((long)features * batch, int.MaxValue), dz.Length, nameof(dz));
        if (relu) Simd.RequireLength((int)Math.Min((long)features * batch, int.MaxValue), y.Length, nameof(y));
        fixed (float* py = y, pdy = dy, pdz = dz, pdb = dBias)
            Run(new Job { Y = py, Dy = pdy, Dz = pdz, Bias = pdb, Batch = batch, Features = features, Relu = relu, Backward = true }, features, batch);
    }

    private static void Run(Job job, int features, int batch)
    {
        int parts = (features + RowsPerPart - 1) / RowsPerPart;
        if ((long)features * batch < ParallelElements) for (int p = 0; p < parts; p++) job.Execute(p);
        else Parallelism.For(parts, job);
    }

    private static void Check(int matrixLength, int biasLength, int features, int batch, string name)
    {
        if (features < 0 || batch < 0) throw new ArgumentException($"Sizes must be non-negative (features={features}, batch={batch}).");
        if ((long)features * batch > matrixLength)
            throw new ArgumentException($"{name} holds {matrixLength} elements, needs features·batch = {(long)features * batch}.", name);
        if (biasLength != 0 && biasLength < features)
            throw new ArgumentException($"The bias holds {biasLength} elements, needs one per feature ({features}) or none.", "bias");
    }

    private struct Job : IParallelJob
    {
        public float* Y, Dy, Dz, Bias;
        public int Batch, Features;
        public bool Relu, Backward;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Simd.Run: tiering may never reach this loop
        public readonly void Execute(int part)
        {
            int f1 = Math.Min(Features, (part + 1) * RowsPerPart);
            for (int f = part * RowsPerPart; f < f1; f++)
            {
                nint at = (nint)f * Batch;
                if (Backward)
                {
                    float sum = BackwardRow(Y + at, Dy + at, Dz + at, Batch, Relu);
                    if (Bias != null) Bias[f] += sum;
                }
                else ForwardRow(Y + at, Bias == null ? 0f : Bias[f], Batch, Relu);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardRow(float* y, float b, int n, bool relu)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vb = Vector256.Create(b);
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.Load(y + i) + vb;
                if (relu) v = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.Zero, v);
                v.Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            float v = y[i] + b;
            y[i] = relu && v <= 0 ? 0 : v;
        }
    }

    // Returns Σ dz over the row: eight vector lanes summed in a fixed order, then the tail.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BackwardRow(float* y, float* dy, float* dz, int n, bool relu)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var g = Vector256.Load(dy + i);
                if (relu) g = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(y + i), Vector256<float>.Zero), g, Vector256<float>.Zero);
                g.Store(dz + i);
                acc += g;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            float g = relu && !(y[i] > 0) ? 0 : dy[i];
            dz[i] = g;
            sum += g;
        }
        return sum;
    }

    /// <summary>Reference loops (plain row sums, so the bias gradient differs from the fast one by rounding only).</summary>
    public static class Scalar
    {
        public static void Forward(Span<float> y, ReadOnlySpan<float> bias, int features, int batch, bool relu)
        {
            for (int f = 0; f < features; f++)
                for (int b = 0; b < batch; b++)
                {
                    float v = y[f * batch + b] + (bias.IsEmpty ? 0f : bias[f]);
                    y[f * batch + b] = relu && v <= 0 ? 0 : v;
                }
        }

        public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, Span<float> dBias, int features, int batch, bool relu)
        {
            for (int f = 0; f < features; f++)
                for (int b = 0; b < batch; b++)
                {
                    int i = f * batch + b;
                    float g = relu && !(y[i] > 0) ? 0 : dy[i];
                    dz[i] = g;
                    if (!dBias.IsEmpty) dBias[f] += g;
                }
        }
    }
}
