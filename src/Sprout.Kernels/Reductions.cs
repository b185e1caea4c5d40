// Reductions over rows and whole spans.
namespace Sprout.Kernels;

/// <summary>Row arg-max and norms.</summary>
public static partial class Reductions
{
    /// <summary>dst[r] = index of the largest element of row r of x [rows × cols] (first on ties).</summary>
    public static void ArgMaxRows(ReadOnlySpan<float> x, Span<int> dst, int rows, int cols) => Scalar.ArgMaxRows(x, dst, rows, cols);

    /// <summary>Σ x² accumulated in double.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> x) => Scalar.SumOfSquares(x);

    /// <summary>Reference loops.</summary>
    public static class Scalar
    {
        public static void ArgMaxRows(ReadOnlySpan<float> x, Span<int> dst, int rows, int cols)
        {
            for (int r = 0; r < rows; r++)
            {
                int best = 0;
                for (int c = 1; c < cols; c++) if (x[r * cols + c] > x[r * cols + best]) best = c;
                dst[r] = best;
            }
        }

        public static double SumOfSquares(ReadOnlySpan<float> x)
        {
            double s = 0;
            foreach (float v in x) s += (double)v * v;
            return s;
        }
    }
}
