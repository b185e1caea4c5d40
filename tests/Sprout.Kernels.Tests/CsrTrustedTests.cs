// Tests of the internal trusted CSR entries (Csr.*Trusted, which skip the O(nnz) structure checks for callers that
// validated once, like CsrMatrix): same bits as the validating public entries on random shapes with empty rows and
// odd batches, and they still reject wrong lengths.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public class CsrTrustedTests
{
    public static IEnumerable<object[]> Cases() => CsrCase.Cases().Where((_, i) => i % 3 == 0);

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrustedEntries_MatchValidatingEntries(int rows, int cols, double density, int batch, ulong seed)
    {
        var m = CsrCase.Random(rows, cols, density, seed);
        float[] x = Shapes.Random(cols * batch, seed + 2), dy = Shapes.Random(rows * batch, seed + 3), bias = Shapes.Random(rows, seed + 4);

        float[] y1 = new float[rows * batch], y2 = new float[rows * batch];
        Csr.SpMMBias(m.RowPointers, m.ColumnIndices, m.Values, bias, x, y1, rows, cols, batch, relu: true);
        Csr.SpMMBiasTrusted(m.RowPointers, m.ColumnIndices, m.Values, bias, x, y2, rows, cols, batch, relu: true);
        Assert.Equal(y1, y2);

        float[] dx1 = Shapes.Random(cols * batch, seed + 5), dx2 = (float[])dx1.Clone();
        float[] dv1 = Shapes.Random(m.Nnz, seed + 6), dv2 = (float[])dv1.Clone();
        Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx1, dv1, rows, cols, batch, true, false);
        Csr.SpMMBackwardTrusted(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx2, dv2, rows, cols, batch, true, false);
        Assert.Equal(dx1, dx2);
        Assert.Equal(dv1, dv2);

        Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx1, rows, cols, batch, false);
        Csr.SpMMTransposedTrusted(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx2, rows, cols, batch, false);
        Assert.Equal(dx1, dx2);

        Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, dv1, rows, cols, batch, accumulate: true);
        Csr.SddmmTrusted(m.RowPointers, m.ColumnIndices, dy, x, dv2, rows, cols, batch, accumulate: true);
        Assert.Equal(dv1, dv2);
    }

    [Fact]
    public void TrustedEntries_StillCheckLengths()
    {
        int[] ptr = [0, 1, 2], idx = [0, 1];
        float[] values = [1f, 1f], x = new float[2], y = new float[2];
        Assert.Throws<ArgumentException>(() => Csr.SpMMBiasTrusted(ptr, idx, values, [], x, new float[1], 2, 2, 1, relu: false));
        Assert.Throws<ArgumentException>(() => Csr.SpMMBiasTrusted(ptr, [0], values, [], x, y, 2, 2, 1, relu: false));
        Assert.Throws<ArgumentException>(() => Csr.SddmmTrusted(ptr, idx, y, x, new float[1], 2, 2, 1, accumulate: false));
    }
}
