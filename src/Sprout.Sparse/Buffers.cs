// Buffers: the grow-only scratch array idiom of the sparse code in one place. A buffer grows (at least doubling,
// so a slowly growing need reallocates O(log n) times) and is then reused, which is what keeps topology updates
// from allocating once sizes are stable.
namespace Sprout.Sparse;

/// <summary>Grow-only scratch arrays.</summary>
internal static class Buffers
{
    /// <summary>Makes <paramref name="buffer"/> hold at least <paramref name="n"/> elements; contents are not kept when it grows.</summary>
    public static void Ensure<T>(ref T[] buffer, int n)
    {
        if (buffer.Length < n) buffer = new T[Math.Max(n, buffer.Length * 2)];
    }
}
