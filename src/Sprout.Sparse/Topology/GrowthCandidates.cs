// GrowthCandidates: a reusable list of (row, col, score) proposals. Capacity only grows, so a method that
// proposes about the same number every update allocates nothing after the first one.
namespace Sprout.Sparse.Topology;

/// <summary>Scored positions proposed for growth; higher score grows first.</summary>
public sealed class GrowthCandidates
{
    private int[] _rows = new int[64];
    private int[] _cols = new int[64];
    private float[] _scores = new float[64];

    /// <summary>Number of candidates.</summary>
    public int Count { get; private set; }

    /// <summary>Rows of the candidates.</summary>
    public Span<int> Rows => _rows.AsSpan(0, Count);

    /// <summary>Columns of the candidates.</summary>
    public Span<int> Cols => _cols.AsSpan(0, Count);

    /// <summary>Scores of the candidates.</summary>
    public Span<float> Scores => _scores.AsSpan(0, Count);

    /// <summary>Removes all candidates (keeps capacity).</summary>
    public void Clear() => Count = 0;

    /// <summary>Makes room for <paramref name="extra"/> more candidates.</summary>
    public void Reserve(int extra)
    {
        int need = Count + extra;
        if (need <= _rows.Length) return;
        int cap = Math.Max(need, _rows.Length * 2);
        Array.Resize(ref _rows, cap);
        Array.Resize(ref _cols, cap);
        Array.Resize(ref _scores, cap);
    }

    /// <summary>Appends one candidate.</summary>
    public void Add(int row, int col, float score)
    {
        if (Count == _rows.Length) Reserve(1);
        _rows[Count] = row;
        _cols[Count] = col;
        _scores[Count] = score;
        Count++;
    }

    /// <summary>Appends <paramref name="n"/> uninitialized slots and returns their index range start (fill Rows/Cols/Scores directly).</summary>
    public int Append(int n)
    {
        Reserve(n);
        int start = Count;
        Count += n;
        return start;
    }
}
