// Ways to make a CsrMatrix: from explicit entries, from CSR arrays, and random patterns (exact per-row count,
// exact total nnz, Erdős–Rényi). Random patterns never enumerate the Rows·Cols positions: the cost is
// O(nnz log nnz) time and O(nnz) memory (plus an O(cols)-bit scratch for per-row sampling), so a
// 1,000,000×1,000,000 matrix at density 1e-5 is as cheap as its 1e7 entries.
// Deliberately not here: value initialisation schemes (fan-in scaling etc. belong to the layer); random
// patterns start with zero values.
using Sprout.Core;

namespace Sprout.Sparse;

public sealed partial class CsrMatrix
{
    /// <summary>
    /// Builds a matrix from a list of entries (rowIndices[i], columnIndices[i]) in any order, with
    /// values[i] (or zeros when <paramref name="values"/> is empty).
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative, the lists differ in length, an index is out of range,
    /// or the same position appears twice (the message names both list positions).</exception>
    public static CsrMatrix FromEntries(int rows, int cols, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values = default)
    {
        CheckShape(rows, cols);
        int n = rowIndices.Length;
        if (columnIndices.Length != n)
            throw new ArgumentException($"rowIndices has {n} entries but columnIndices has {columnIndices.Length}.", nameof(columnIndices));
        if (!values.IsEmpty && values.Length != n)
            throw new ArgumentException($"values has {values.Length} entries; expected {n} (one per entry) or none.", nameof(values));
        var keys = new long[n];
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            int r = rowIndices[i], c = columnIndices[i];
            if ((uint)r >= (uint)rows) throw new ArgumentException($"rowIndices[{i}] = {r} is outside [0, {rows}).", nameof(rowIndices));
            if ((uint)c >= (uint)cols) throw new ArgumentException($"columnIndices[{i}] = {c} is outside [0, {cols}).", nameof(columnIndices));
            keys[i] = (long)r * cols + c;
            order[i] = i;
        }
        Array.Sort(keys, order);
        for (int i = 1; i < n; i++)
            if (keys[i] == keys[i - 1])
            {
                int a = Math.Min(order[i - 1], order[i]), b = Math.Max(order[i - 1], order[i]);
                throw new ArgumentException($"Duplicate entry ({rowIndices[a]}, {columnIndices[a]}) at list positions {a} and {b}.", nameof(rowIndices));
            }
        var m = FromSortedKeys(rows, cols, keys);
        if (!values.IsEmpty)
            for (int i = 0; i < n; i++) m._values[i] = values[order[i]];
        return m;
    }

    /// <summary>Copies CSR arrays into a new matrix after checking every invariant.</summary>
    /// <exception cref="ArgumentException">The arrays do not form a valid CSR structure (message says where).</exception>
    public static CsrMatrix FromCsr(int rows, int cols, ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values)
    {
        CheckShape(rows, cols);
        if (rowPointers.Length != rows + 1)
            throw new ArgumentException($"rowPointers has {rowPointers.Length} entries, expected rows + 1 = {rows + 1}.", nameof(rowPointers));
        int nnz = rowPointers[rows];
        if (columnIndices.Length != nnz || values.Length != nnz)
            throw new ArgumentException($"rowPointers[{rows}] = {nnz}, but columnIndices has {columnIndices.Length} and values {values.Length} entries.", nameof(columnIndices));
        if (rowPointers[0] != 0) throw new ArgumentException($"rowPointers[0] = {rowPointers[0]}, expected 0.", nameof(rowPointers));
        for (int r = 0; r < rows; r++)
            if (rowPointers[r + 1] < rowPointers[r])
                throw new ArgumentException($"rowPointers decreases at row {r}: {rowPointers[r]} > {rowPointers[r + 1]}.", nameof(rowPointers));
        for (int r = 0; r < rows; r++)
        {
            for (int p = rowPointers[r]; p < rowPointers[r + 1]; p++)
            {
                if ((uint)columnIndices[p] >= (uint)cols)
                    throw new ArgumentException($"columnIndices[{p}] = {columnIndices[p]} (row {r}) is outside [0, {cols}).", nameof(columnIndices));
                if (p > rowPointers[r] && columnIndices[p] <= columnIndices[p - 1])
                    throw new ArgumentException($"Row {r} is not strictly increasing at columnIndices[{p}] = {columnIndices[p]} (previous {columnIndices[p - 1]}).", nameof(columnIndices));
            }
        }
        return new CsrMatrix(rows, cols, rowPointers.ToArray(), columnIndices.ToArray(), values.ToArray());
    }

    /// <summary>
    /// A random pattern with exactly <paramref name="perRow"/> entries in every row, each row's columns a uniform
    /// random subset (sampled by rejection against a bitset, or via the complement when perRow &gt; cols/2).
    /// Values are zero.
    /// </summary>
    /// <exception cref="ArgumentException">perRow is outside [0, cols], or rows·perRow exceeds the largest array.</exception>
    public static CsrMatrix RandomPerRow(int rows, int cols, int perRow, Rng rng)
    {
        CheckShape(rows, cols);
        ArgumentNullException.ThrowIfNull(rng);
        if (perRow < 0 || perRow > cols) throw new ArgumentException($"perRow must be in [0, cols = {cols}], was {perRow}.", nameof(perRow));
        long nnz = (long)rows * perRow;
        CheckNnz(nnz);
        var rowPointers = new int[rows + 1];
        var columns = new int[nnz];
        var seen = new ulong[(cols + 63) / 64];
        bool complement = perRow > cols / 2;
        int draw = complement ? cols - perRow : perRow;
        Span<int> picked = complement ? new int[draw] : default;
        for (int r = 0; r < rows; r++)
        {
            int start = r * perRow;
            rowPointers[r + 1] = start + perRow;
            Span<int> row = columns.AsSpan(start, perRow);
            Span<int> target = complement ? picked : row;
            for (int i = 0; i < draw; i++)
            {
                int c;
                do c = rng.NextInt(cols);
                while ((seen[c >> 6] & (1UL << c)) != 0);
                seen[c >> 6] |= 1UL << c;
                target[i] = c;
            }
            if (complement)
            {
                // Emit every column not picked (already in order), O(cols) ≤ 2·perRow per row.
                for (int c = 0, k = 0; c < cols; c++)
                    if ((seen[c >> 6] & (1UL << c)) == 0) row[k++] = c;
            }
            else
            {
                row.Sort();
            }
            foreach (int c in target) seen[c >> 6] &= ~(1UL << c);
        }
        return new CsrMatrix(rows, cols, rowPointers, columns, new float[nnz]);
    }

    /// <summary>
    /// A pattern with exactly <paramref name="nnz"/> entries, a uniformly random subset of all Rows·Cols positions,
    /// sampled without enumerating them: linear indices are drawn, sorted and de-duplicated, and the shortfall is
    /// redrawn until exactly nnz distinct remain (the distinct values of an i.i.d. uniform sequence are a uniform
    /// subset). Above half density the complement is sampled instead. Values are zero.
    /// </summary>
    /// <exception cref="ArgumentException">nnz is outside [0, rows·cols] or exceeds the largest array.</exception>
    public static CsrMatrix Random(int rows, int cols, long nnz, Rng rng)
    {
        CheckShape(rows, cols);
        ArgumentNullException.ThrowIfNull(rng);
        long positions = (long)rows * cols;
        if (nnz < 0 || nnz > positions) throw new ArgumentException($"nnz must be in [0, rows·cols = {positions}], was {nnz}.", nameof(nnz));
        CheckNnz(nnz);
        if (nnz > positions / 2)
        {
            // Dense-ish: positions < 2·nnz, so walking them all is still O(nnz).
            long[] excluded = SampleDistinct(positions, positions - nnz, rng);
            var keys = new long[nnz];
            long e = 0;
            int k = 0;
            for (long key = 0; key < positions; key++)
            {
                if (e < excluded.Length && excluded[e] == key) e++;
                else keys[k++] = key;
            }
            return FromSortedKeys(rows, cols, keys);
        }
        return FromSortedKeys(rows, cols, SampleDistinct(positions, nnz, rng));
    }

    /// <summary>A uniform random pattern with nnz = round(density·rows·cols) (see <see cref="Random(int, int, long, Rng)"/>).</summary>
    /// <exception cref="ArgumentException">density is outside [0, 1].</exception>
    public static CsrMatrix RandomWithDensity(int rows, int cols, double density, Rng rng)
    {
        if (!(density >= 0 && density <= 1)) throw new ArgumentException($"density must be in [0, 1], was {density}.", nameof(density));
        return Random(rows, cols, (long)Math.Round(density * rows * cols), rng);
    }

    /// <summary>
    /// Erdős–Rényi density of a rows×cols layer: min(1, ε·(rows + cols)/(rows·cols)) (Mocanu et al. 2018; the
    /// SET/GSE initial topology). Returns 0 for an empty shape.
    /// </summary>
    public static double ErdosRenyiDensity(int rows, int cols, double epsilon)
    {
        CheckShape(rows, cols);
        if (!(epsilon >= 0)) throw new ArgumentException($"epsilon must be non-negative, was {epsilon}.", nameof(epsilon));
        return rows == 0 || cols == 0 ? 0 : Math.Min(1.0, epsilon * ((double)rows + cols) / ((double)rows * cols));
    }

    /// <summary>
    /// An Erdős–Rényi pattern with exactly round(p·rows·cols) entries, p = <see cref="ErdosRenyiDensity"/>.
    /// The count is exact (a fixed nnz is what dynamic sparse training keeps), unlike independent Bernoulli draws.
    /// </summary>
    public static CsrMatrix ErdosRenyi(int rows, int cols, double epsilon, Rng rng) =>
        RandomWithDensity(rows, cols, ErdosRenyiDensity(rows, cols, epsilon), rng);

    /// <summary>count distinct uniform values in [0, range), sorted ascending; O(count log count).</summary>
    private static long[] SampleDistinct(long range, long count, Rng rng)
    {
        var keys = new long[count];
        long have = 0;
        while (have < count)
        {
            for (long i = have; i < count; i++) keys[i] = rng.NextLong(range);
            Array.Sort(keys);
            have = 1;
            for (long i = 1; i < count; i++)
                if (keys[i] != keys[have - 1]) keys[have++] = keys[i];
        }
        return keys;
    }

    /// <summary>Builds a matrix from strictly increasing linear indices row·cols + col; values are zero.</summary>
    private static CsrMatrix FromSortedKeys(int rows, int cols, long[] keys)
    {
        var rowPointers = new int[rows + 1];
        var columns = new int[keys.Length];
        for (int p = 0; p < keys.Length; p++)
        {
            int r = (int)(keys[p] / cols);
            columns[p] = (int)(keys[p] - (long)r * cols);
            rowPointers[r + 1]++;
        }
        for (int r = 0; r < rows; r++) rowPointers[r + 1] += rowPointers[r];
        return new CsrMatrix(rows, cols, rowPointers, columns, new float[keys.Length]);
    }

    private static void CheckShape(int rows, int cols)
    {
        if (rows < 0) throw new ArgumentException($"rows must be non-negative, was {rows}.", nameof(rows));
        if (cols < 0) throw new ArgumentException($"cols must be non-negative, was {cols}.", nameof(cols));
    }

    private static void CheckNnz(long nnz)
    {
        if (nnz > Array.MaxLength) throw new ArgumentException($"nnz = {nnz} exceeds the largest array ({Array.MaxLength} elements).", nameof(nnz));
    }
}
