// PinnedScratch: per-thread working memory for kernels that hand raw pointers to their loops and parallel parts. A
// kernel keeps its buffers in [ThreadStatic] fields and asks here for at least n elements: the array is allocated
// pinned (pointers stay valid), grown by at least half when too small so a slowly rising series of shapes reallocates
// only a few times, and reused, so a training loop allocates only while its sizes still grow. Not a pool: buffers
// are never shared between threads or returned. Not here: Gemm's 64-byte-aligned packing buffers (Gemm.Blocked.cs).
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

internal static unsafe class PinnedScratch
{
    /// <summary>Pointer to at least <paramref name="count"/> floats of <paramref name="storage"/> (reallocated if shorter; contents undefined).</summary>
    public static float* Floats(ref float[]? storage, long count) => Get(ref storage, count);

    /// <summary>Pointer to at least <paramref name="count"/> ints of <paramref name="storage"/> (reallocated if shorter; contents undefined).</summary>
    public static int* Ints(ref int[]? storage, long count) => Get(ref storage, count);

    private static T* Get<T>(ref T[]? storage, long count) where T : unmanaged
    {
        if (storage is null || storage.Length < count)
            storage = GC.AllocateUninitializedArray<T>(checked((int)Math.Max(Math.Max(count, 1), (storage?.Length ?? 0) * 3L / 2)), pinned: true);
        return (T*)Unsafe.AsPointer(ref storage[0]);
    }
}
