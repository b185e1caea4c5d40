// Random topology changes for tests: which entries to drop and which inactive positions to grow.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.TestSupport;

/// <summary>Random drop/grow sets for CsrMatrix.ChangeTopology.</summary>
public static class RandomChanges
{
    /// <summary>
    /// <paramref name="drops"/> distinct value indices to drop, and <paramref name="grows"/> distinct positions that are
    /// inactive now (so none is a regrowth of a dropped entry).
    /// </summary>
    public static (int[] Drop, int[] Rows, int[] Cols) Pick(CsrMatrix t, int drops, int grows, Rng rng)
    {
        var drop = Enumerable.Range(0, t.Nnz).OrderBy(_ => rng.NextInt(1 << 30)).Take(drops).ToArray();
        var rows = new List<int>();
        var cols = new List<int>();
        var seen = new HashSet<long>();
        while (rows.Count < grows)
        {
            int r = rng.NextInt(t.Rows), c = rng.NextInt(t.Cols);
            if (t.IsActive(r, c) || !seen.Add((long)r * t.Cols + c)) continue;
            rows.Add(r);
            cols.Add(c);
        }
        return (drop, rows.ToArray(), cols.ToArray());
    }
}
