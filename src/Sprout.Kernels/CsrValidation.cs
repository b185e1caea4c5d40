// Argument checks shared by the CSR kernels. The fast loops index through raw pointers, so these checks are
// what keeps a malformed structure from reading or writing outside the caller's arrays: every pointer array
// is checked to be monotone and within [0, nnz], every index array to lie in range. They cost O(rows + nnz)
// integer reads, small next to the O(nnz·batch) arithmetic of the kernels.
// Deliberately not checked (too costly for a per-step kernel): sorted/unique columns within a row, and that
// a CSC permutation is a bijection. Violations give wrong numbers, never memory unsafety; CsrMatrix checks them.
using System.Numerics.Tensors;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>Checks a compressed structure (pointers[major+1], indices[nnz] in [0, minor)) and returns nnz.</summary>
    internal static int CheckCompressed(ReadOnlySpan<int> pointers, ReadOnlySpan<int> indices, int major, int minor,
        string pointersName, string indicesName, string majorName, string minorName)
    {
        if (major < 0) throw new ArgumentException($"{majorName} must be non-negative, was {major}.", majorName);
        if (minor < 0) throw new ArgumentException($"{minorName} must be non-negative, was {minor}.", minorName);
        if (pointers.Length < major + 1)
            throw new ArgumentException($"{pointersName} holds {pointers.Length} entries, needs {majorName} + 1 = {major + 1}.", pointersName);
        if (pointers[0] != 0) throw new ArgumentException($"{pointersName}[0] must be 0, was {pointers[0]}.", pointersName);
        for (int r = 0; r < major; r++)
            if (pointers[r + 1] < pointers[r])
                throw new ArgumentException($"{pointersName} must be nondecreasing: [{r}] = {pointers[r]} > [{r + 1}] = {pointers[r + 1]}.", pointersName);
        int nnz = pointers[major];
        if (indices.Length < nnz)
            throw new ArgumentException($"{indicesName} holds {indices.Length} entries, {pointersName}[{major}] says nnz = {nnz}.", indicesName);
        CheckIndices(indices[..nnz], minor, indicesName, minorName);
        return nnz;
    }

    /// <summary>
    /// The O(1) part of <see cref="CheckCompressed"/>: sizes, the pointer array's length and that the indices cover
    /// pointers[major]. What the trusted entries check; returns nnz.
    /// </summary>
    internal static int CheckCompressedLengths(ReadOnlySpan<int> pointers, ReadOnlySpan<int> indices, int major, int minor,
        string pointersName, string indicesName, string majorName, string minorName)
    {
        if (major < 0) throw new ArgumentException($"{majorName} must be non-negative, was {major}.", majorName);
        if (minor < 0) throw new ArgumentException($"{minorName} must be non-negative, was {minor}.", minorName);
        if (pointers.Length < major + 1)
            throw new ArgumentException($"{pointersName} holds {pointers.Length} entries, needs {majorName} + 1 = {major + 1}.", pointersName);
        int nnz = pointers[major];
        if (nnz < 0 || indices.Length < nnz)
            throw new ArgumentException($"{indicesName} holds {indices.Length} entries, {pointersName}[{major}] says nnz = {nnz}.", indicesName);
        return nnz;
    }

    /// <summary>
    /// Checks a transposed (CSC) index in full: column pointers, row indices in [0, rows), permutation entries in
    /// [0, nnz). What SpMMTransposed and SpMMBackward validate, and CsrMatrix once per topology version.
    /// </summary>
    internal static void CheckTransposed(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation, int rows, int cols)
    {
        int nnz = CheckCompressed(columnPointers, rowIndices, cols, rows, nameof(columnPointers), nameof(rowIndices), nameof(cols), nameof(rows));
        CheckLength(permutation.Length, nnz, nameof(permutation), "nnz");
        CheckIndices(permutation[..nnz], nnz, nameof(permutation), "nnz");
    }

    /// <summary>Checks every entry of <paramref name="indices"/> lies in [0, limit).</summary>
    internal static void CheckIndices(ReadOnlySpan<int> indices, int limit, string name, string limitName)
    {
        if (indices.IsEmpty) return;
        int min = TensorPrimitives.Min(indices), max = TensorPrimitives.Max(indices);
        if (min < 0 || max >= limit)
        {
            int bad = min < 0 ? indices.IndexOf(min) : indices.IndexOf(max);
            throw new ArgumentException($"{name}[{bad}] = {indices[bad]} is outside [0, {limitName} = {limit}).", name);
        }
    }

    /// <summary>Checks a dense feature-major operand [count × batch] is long enough.</summary>
    internal static void CheckDense(int length, int count, int batch, string name, string countName)
    {
        if ((long)count * batch > length)
            throw new ArgumentException($"{name} holds {length} elements, needs {countName}·batch = {count}·{batch} = {(long)count * batch}.", name);
    }

    internal static void CheckBatch(int batch)
    {
        if (batch < 0) throw new ArgumentException($"batch must be non-negative, was {batch}.", nameof(batch));
    }

    internal static void CheckLength(int length, int needed, string name, string what)
    {
        if (length < needed) throw new ArgumentException($"{name} holds {length} elements, needs {what} = {needed}.", name);
    }
}
