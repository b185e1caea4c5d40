// The overwrite contract (accumulate = false): every output element is written, whatever the destination held before,
// including rows and columns with no entries. Sparse layers rely on it to skip clearing gradients (Tensor.GradForWrite),
// so destinations start as NaN here and must come out equal to the same call on zeroed destinations.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public class CsrOverwriteTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var (rows, cols, density) in new[] { (17, 23, 0.05), (9, 11, 0.5), (40, 7, 0.2), (5, 64, 0.02) })
            foreach (int batch in new[] { 1, 15, 16, 33, 129 })
                yield return [rows, cols, density, batch];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryKernelOverwritesEveryElement(int rows, int cols, double density, int batch)
    {
        var m = CsrCase.Random(rows, cols, density, 7);
        float[] x = Shapes.Random(cols * batch, 1), dy = Shapes.Random(rows * batch, 2), bias = Shapes.Random(rows, 3);

        Check(rows * batch, d => Csr.SpMM(m.RowPointers, m.ColumnIndices, m.Values, x, d, rows, cols, batch, accumulate: false), "SpMM");
        Check(rows * batch, d => Csr.SpMMBias(m.RowPointers, m.ColumnIndices, m.Values, bias, x, d, rows, cols, batch, relu: true), "SpMMBias");
        Check(cols * batch, d => Csr.SpMMTransposed(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, d, rows, cols, batch, accumulate: false), "SpMMTransposed");
        Check(m.Nnz, d => Csr.Sddmm(m.RowPointers, m.ColumnIndices, dy, x, d, rows, cols, batch, accumulate: false), "Sddmm");

        float[] dw = new float[m.Nnz];
        Check(cols * batch, d => Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, d, dw, rows, cols, batch, false, false), "SpMMBackward dX");
        float[] dx = new float[cols * batch];
        Check(m.Nnz, d => Csr.SpMMBackward(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx, d, rows, cols, batch, false, false), "SpMMBackward dW");
    }

    private static void Check(int length, Action<float[]> run, string kernel)
    {
        float[] fromZero = new float[length], fromNaN = new float[length];
        Array.Fill(fromNaN, float.NaN);
        run(fromZero);
        run(fromNaN);
        for (int i = 0; i < length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(fromZero[i]) == BitConverter.SingleToInt32Bits(fromNaN[i]),
                $"{kernel}: element {i} is {fromNaN[i]} over NaN but {fromZero[i]} over zeros (not written?)");
    }
}
