// Tests of the width abstraction's four-way horizontal sum (Simd.cs), the one member with more than a one-line
// body: every width the hardware runs gives the four lane sums, in order.
using System.Runtime.Intrinsics;
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public unsafe class SimdTests
{
    [Fact]
    public void Sum4_GivesTheFourLaneSumsInOrder_AtEveryAcceleratedWidth()
    {
        if (Vector512.IsHardwareAccelerated) Check<V512, Vector512<float>>();
        if (Vector256.IsHardwareAccelerated) Check<V256, Vector256<float>>();
        if (Vector128.IsHardwareAccelerated) Check<V128, Vector128<float>>();
        Check<V1, float>();
    }

    private static void Check<TS, TV>() where TS : struct, ISimd<TV> where TV : struct
    {
        int w = TS.Count;
        float[] data = Shapes.Random(4 * w, (ulong)w);
        fixed (float* p = data)
        {
            var sums = TS.Sum4(TS.Load(p), TS.Load(p + w), TS.Load(p + 2 * w), TS.Load(p + 3 * w));
            for (int j = 0; j < 4; j++)
            {
                double expected = 0;
                for (int i = 0; i < w; i++) expected += data[j * w + i];
                Assert.Equal(expected, sums.GetElement(j), 4);
            }
        }
    }
}
