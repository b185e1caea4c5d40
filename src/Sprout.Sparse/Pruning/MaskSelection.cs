// MaskSelection: turns per-layer score arrays into CSR topologies by keeping the highest scores, either per layer
// or with one global top-k across layers (SNIP, GraSP, SynFlow, IMP as the GSE repo does). Scores are dense
// [Rows × Cols] arrays: this is a one-off at initialisation (pruning-before-training) and is not part of the
// always-sparse training path. Ties are broken by position (lower linear index first) so results are deterministic.
// TopKIndices is the same selection on spans with caller-owned buffers, for methods that select during training
// (Top-KAST's sets): O(n) expected time, no allocation. Its integer overload serves keys that already encode a total
// order (DropSelection's keep-score keys, where NaN must rank below −∞); one generic quickselect serves both.
using System.Numerics;

namespace Sprout.Sparse.Pruning;

/// <summary>Top-k mask selection over dense score arrays.</summary>
public static class MaskSelection
{
    /// <summary>
    /// Global top-k that keeps the layers in <paramref name="denseLayers"/> (none when null) whole (a dense first or last layer, outside the
    /// budget as the per-layer allocations count it) and the <paramref name="fraction"/> of the other layers' weights with the
    /// highest scores. The dense layers' scores are overwritten with +∞.
    /// </summary>
    /// <exception cref="ArgumentException">Counts or sizes disagree, or fraction ∉ [0, 1].</exception>
    public static CsrMatrix[] GlobalTopK(float[][] scores, IReadOnlyList<(int Rows, int Cols)> shapes, double fraction, IReadOnlySet<int>? denseLayers = null)
    {
        if (!(fraction is >= 0 and <= 1)) throw new ArgumentException($"fraction must be in [0, 1], was {fraction}.", nameof(fraction));
        long whole = 0, ranked = 0;
        for (int l = 0; l < scores.Length; l++)
        {
            if (denseLayers?.Contains(l) != true) { ranked += scores[l].LongLength; continue; }
            Array.Fill(scores[l], float.PositiveInfinity);
            whole += scores[l].LongLength;
        }
        return GlobalTopK(scores, shapes, whole + (long)Math.Round(fraction * ranked));
    }

    /// <summary>
    /// Keeps the <paramref name="keep"/> highest scores over all layers together (global top-k); NaN counts as −∞.
    /// scores[l] is [shapes[l].Rows × shapes[l].Cols], row-major. Returns one topology per layer (values 0).
    /// </summary>
    /// <exception cref="ArgumentException">Counts or sizes disagree, or keep is outside [0, total].</exception>
    public static CsrMatrix[] GlobalTopK(IReadOnlyList<float[]> scores, IReadOnlyList<(int Rows, int Cols)> shapes, long keep)
    {
        if (scores.Count != shapes.Count) throw new ArgumentException($"{scores.Count} score arrays for {shapes.Count} layers.", nameof(scores));
        long total = 0;
        for (int l = 0; l < scores.Count; l++)
        {
            if (scores[l].LongLength != (long)shapes[l].Rows * shapes[l].Cols)
                throw new ArgumentException($"Layer {l}: {scores[l].Length} scores for a {shapes[l].Rows}×{shapes[l].Cols} weight.", nameof(scores));
            total += scores[l].LongLength;
        }
        if (keep < 0 || keep > total) throw new ArgumentException($"Cannot keep {keep} of {total} weights.", nameof(keep));
        var all = new float[total];
        long o = 0;
        foreach (var s in scores)
        {
            s.CopyTo(all, o);
            o += s.Length;
        }
        float threshold = keep == 0 ? float.PositiveInfinity : KthLargest<float>(all, keep);
        long above = 0;
        foreach (var s in scores)
            foreach (float v in s)
                if (Clean(v) > threshold) above++;
        long tiesLeft = keep - above; // entries equal to the threshold, taken in layer then position order
        var result = new CsrMatrix[scores.Count];
        for (int l = 0; l < scores.Count; l++) result[l] = Build(scores[l], shapes[l].Rows, shapes[l].Cols, threshold, ref tiesLeft);
        return result;
    }

    /// <summary>Keeps the <paramref name="keep"/> highest scores of one [rows × cols] layer.</summary>
    public static CsrMatrix TopK(float[] scores, int rows, int cols, long keep) => GlobalTopK([scores], [(rows, cols)], keep)[0];

    /// <summary>
    /// Writes the indices of the <paramref name="k"/> highest <paramref name="scores"/> (NaN counts as −∞; ties go to
    /// the lower index) into result[..k], ascending. <paramref name="scratch"/> needs scores.Length elements.
    /// Quickselect: O(n) expected time; allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">k outside [0, n], or a buffer too small.</exception>
    public static void TopKIndices(ReadOnlySpan<float> scores, int k, Span<float> scratch, Span<int> result) =>
        TopKIndices<float>(scores, k, scratch, result);

    /// <summary>
    /// <see cref="TopKIndices(ReadOnlySpan{float}, int, Span{float}, Span{int})"/> for integer keys: the indices of the
    /// <paramref name="k"/> highest keys (ties to the lower index) into result[..k], ascending.
    /// </summary>
    /// <exception cref="ArgumentException">k outside [0, n], or a buffer too small.</exception>
    internal static void TopKIndices(ReadOnlySpan<int> keys, int k, Span<int> scratch, Span<int> result) =>
        TopKIndices<int>(keys, k, scratch, result);

    private static void TopKIndices<T>(ReadOnlySpan<T> scores, int k, Span<T> scratch, Span<int> result) where T : struct, INumber<T>
    {
        int n = scores.Length;
        if ((uint)k > (uint)n) throw new ArgumentException($"Cannot keep {k} of {n} scores.", nameof(k));
        if (scratch.Length < n || result.Length < k) throw new ArgumentException($"Top-{k} of {n} needs a scratch of {n} and a result of {k} elements, got {scratch.Length} and {result.Length}.", nameof(scratch));
        if (k == 0) return;
        var work = scratch[..n];
        scores.CopyTo(work);
        T threshold = KthLargest(work, k);
        int above = 0;
        for (int i = 0; i < n; i++)
            if (Clean(scores[i]) > threshold) above++;
        int ties = k - above, o = 0;
        for (int i = 0; i < n && o < k; i++)
        {
            T v = Clean(scores[i]);
            if (v > threshold || (v == threshold && ties-- > 0)) result[o++] = i;
        }
    }

    /// <summary>NaN counts as −∞ (integer keys are never NaN, so for them this is the identity and compiles away).</summary>
    private static T Clean<T>(T v) where T : struct, INumber<T> => T.IsNaN(v) ? T.CreateTruncating(float.NegativeInfinity) : v;

    private static CsrMatrix Build(float[] s, int rows, int cols, float threshold, ref long tiesLeft)
    {
        var r = new List<int>();
        var c = new List<int>();
        for (int i = 0; i < s.Length; i++)
        {
            float v = Clean(s[i]);
            bool take = v > threshold || (v == threshold && tiesLeft > 0);
            if (!take) continue;
            if (!(v > threshold)) tiesLeft--;
            r.Add(i / cols);
            c.Add(i % cols);
        }
        return CsrMatrix.FromEntries(rows, cols, r.ToArray(), c.ToArray());
    }

    /// <summary>The k-th largest value (k ≥ 1) of <paramref name="a"/> (NaN as −∞), reordering it. Quickselect, O(n) expected.</summary>
    private static T KthLargest<T>(Span<T> a, long k) where T : struct, INumber<T>
    {
        for (int i = 0; i < a.Length; i++) a[i] = Clean(a[i]);
        int lo = 0, hi = a.Length - 1, target = (int)(k - 1); // index in descending order
        ulong state = 0x9E3779B97F4A7C15UL;
        while (lo < hi)
        {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            T pivot = a[lo + (int)(state % (ulong)(hi - lo + 1))];
            // Three-way partition (descending): [> pivot | == pivot | < pivot].
            int lt = lo, i = lo, gt = hi;
            while (i <= gt)
            {
                if (a[i] > pivot) (a[lt], a[i]) = (a[i++], a[lt++]);
                else if (a[i] < pivot) (a[gt], a[i]) = (a[i], a[gt--]);
                else i++;
            }
            if (target < lt) hi = lt - 1;
            else if (target > gt) lo = gt + 1;
            else return pivot;
        }
        return a[lo];
    }
}
