// ScoreKeys: drop and grow scores as ints that sort the way the mechanism ranks the scores (float.CompareTo's order:
// −0 equals +0, NaN below −∞). Selections and sorts then run on plain ints with the default comparer: NaN needs no
// path of its own, and no comparer object is boxed (a struct IComparer passed to Span.Sort is boxed and wrapped in a
// delegate, 88 bytes a call, which is what a warm topology update used to allocate).
namespace Sprout.Sparse.Topology;

/// <summary>Order-preserving integer keys for topology scores.</summary>
internal static class ScoreKeys
{
    /// <summary>
    /// A key that falls as <paramref name="score"/> rises, in float.CompareTo's order: NaN gets the highest key
    /// (int.MaxValue; −∞ gets 0x7F800000) and −0 the key of +0. Ascending keys are best first for growth; the highest
    /// keys are the lowest keep-scores, dropped first.
    /// </summary>
    public static int Descending(float score)
    {
        if (float.IsNaN(score)) return int.MaxValue;
        int bits = score == 0f ? 0 : BitConverter.SingleToInt32Bits(score);
        int ascending = bits ^ ((bits >> 31) & int.MaxValue); // sign-magnitude to two's complement: ascending in score
        return ~ascending;
    }
}
