// A loop that measures one core rather than any Sprout kernel (for `ceiling`): sixteen independent 512-bit FMA chains,
// each reading one operand vector from a 32 KB buffer, the shape of a CSR inner loop with every gathered row already in
// L1. Its register-only twin, the FMA peak, is GemmBenchmark.MeasureFmaPeakGflops.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sprout.Bench.Sparse;

internal static unsafe class CoreLoops
{
    private const long Iterations = 20_000_000;

    /// <summary>GFLOP/s (2 per multiply-add) of the L1 loop on the calling thread; best of three.</summary>
    public static double L1FmaRate()
    {
        float* buffer = (float*)NativeMemory.AlignedAlloc(32 * 1024, 64);
        try
        {
            new Span<float>(buffer, 8192).Fill(1e-3f);
            double best = 0;
            for (int i = 0; i < 3; i++)
            {
                long start = Stopwatch.GetTimestamp();
                float sink = LoadFma(buffer, Iterations);
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (float.IsNaN(sink)) throw new InvalidOperationException("unreachable: keeps the loop's result alive");
                best = Math.Max(best, Iterations * 16 * 32 / seconds / 1e9);
            }
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float LoadFma(float* b, long iterations)
    {
        var v = Vector512.Create(0.999f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        for (long i = 0; i < iterations; i++)
        {
            float* s = b + ((i & 31) << 8); // 32 rows of 1 KB, like 32 gathered batch rows
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s), a0); a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 16), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 32), a2); a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 48), a3);
            a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 64), a4); a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 80), a5);
            a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 96), a6); a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 112), a7);
            a8 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 128), a8); a9 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 144), a9);
            a10 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 160), a10); a11 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 176), a11);
            a12 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 192), a12); a13 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 208), a13);
            a14 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 224), a14); a15 = Vector512.FusedMultiplyAdd(v, Vector512.Load(s + 240), a15);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }
}
