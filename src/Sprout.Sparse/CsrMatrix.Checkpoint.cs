// Checkpoint support for CsrMatrix: the structure as named integer arrays (indptr, indices and shape, the
// scipy.sparse / PyTorch names, so other tools can rebuild the matrix) and an in-place restore that validates
// everything before touching the matrix. Values are not here: the layer that owns them stores them as its parameter.
using Sprout.Core;

namespace Sprout.Sparse;

public sealed partial class CsrMatrix
{
    /// <summary>Writes "{name}.indptr" (I32 [Rows+1]), "{name}.indices" (I32 [Nnz]) and "{name}.shape" (I64 [Rows, Cols]).</summary>
    public void SaveStructure(StateDict state, string name)
    {
        state.Add(name + ".indptr", RowPointers);
        state.Add(name + ".indices", ColumnIndices);
        ReadOnlySpan<long> shape = [Rows, Cols];
        state.Add(name + ".shape", shape);
    }

    /// <summary>Reads a structure written by <see cref="SaveStructure"/> and validates it against a Rows × Cols matrix.</summary>
    /// <exception cref="InvalidDataException">Missing arrays or another shape.</exception>
    /// <exception cref="CorruptStateException">A structure that is not valid CSR.</exception>
    public static (int[] RowPointers, int[] ColumnIndices) ReadStructure(StateDict state, string name, int rows, int cols)
    {
        var shape = state.Longs(name + ".shape");
        if (shape.Length != 2 || shape[0] != rows || shape[1] != cols)
            throw new InvalidDataException($"Sparse matrix '{name}' is [{string.Join(", ", shape)}] in the checkpoint but {rows}×{cols} here.");
        var indptr = state.Ints(name + ".indptr");
        var indices = state.Ints(name + ".indices");
        ValidateStructure(indptr, indices, rows, cols, $"Sparse matrix '{name}'");
        return (indptr, indices);
    }

    /// <summary>
    /// Replaces the structure with a validated one (see <see cref="ReadStructure"/>). The number of entries may differ
    /// from this matrix's (methods that move budget between layers change it); the entry arrays grow if needed.
    /// Values keep their array (possibly reallocated: read <see cref="Values"/> again) and are expected to be
    /// overwritten by the caller.
    /// </summary>
    /// <exception cref="CorruptStateException">The structure is not a valid Rows × Cols CSR structure (nothing is changed).</exception>
    public void RestoreStructure(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices)
    {
        ValidateStructure(rowPointers, columnIndices, Rows, Cols, $"The restored {Rows}×{Cols} structure");
        if (columnIndices.Length > Capacity) GrowCapacity(columnIndices.Length);
        rowPointers.CopyTo(_rowPointers);
        columnIndices.CopyTo(_columnIndices);
        Nnz = columnIndices.Length;
        Version++;
        RebuildTransposedIndex();
    }

    // Everything RestoreStructure relies on, checked before anything is overwritten.
    private static void ValidateStructure(ReadOnlySpan<int> indptr, ReadOnlySpan<int> indices, int rows, int cols, string what)
    {
        if (indptr.Length != rows + 1 || indptr[0] != 0 || indptr[rows] != indices.Length)
            throw new CorruptStateException($"{what}: indptr must have {rows + 1} entries from 0 to the {indices.Length} indices.");
        for (int r = 0; r < rows; r++)
        {
            if (indptr[r + 1] < indptr[r]) throw new CorruptStateException($"{what}: indptr decreases at row {r}.");
            for (int p = indptr[r]; p < indptr[r + 1]; p++)
            {
                int c = indices[p];
                if ((uint)c >= (uint)cols || (p > indptr[r] && c <= indices[p - 1]))
                    throw new CorruptStateException($"{what}: row {r} has column {c} out of order or outside [0, {cols}).");
            }
        }
    }
}
