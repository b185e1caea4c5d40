// Reductions over rows and whole spans. ArgMaxRows finds the row maximum with vector compares (NaN never
// wins, as in the scalar loop), then the first index holding it; SumOfSquares widens to double lanes.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>Row arg-max and norms.</summary>
public static partial class Reductions
{
    /// <summary>
    /// dst[r] = index of the largest element of row r of x [rows × cols] (first on ties; NaN entries are
    /// skipped unless the row starts with one, which gives 0). Rows with cols = 0 give 0.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void ArgMaxRows(ReadOnlySpan<float> x, Span<int> dst, int rows, int cols)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"Sizes must be non-negative (rows={rows}, cols={cols}).");
        Simd.RequireLength(checked(rows * cols), x.Length, nameof(x));
        if (dst.Length < rows) throw new ArgumentException($"dst holds {dst.Length} elements, needs {rows}.", nameof(dst));
        for (int r = 0; r < rows; r++) dst[r] = cols == 0 ? 0 : ArgMax(x.Slice(r * cols, cols));
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        float first = row[0];
        if (!Vector256.IsHardwareAccelerated || row.Length < 16 || float.IsNaN(first)) return ScalarArgMax(row);
        ref float x = ref MemoryMarshal.GetReference(row);
        nuint n = (nuint)row.Length, i = 0;
        // Max by "take if greater": NaN lanes never replace the running value.
        var best = Vector256.Create(first);
        for (; i + 8 <= n; i += 8)
        {
            var v = Vector256.LoadUnsafe(ref x, i);
            best = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);
        }
        float max = first;
        for (int l = 0; l < 8; l++) if (best[l] > max) max = best[l];
        for (; i < n; i++) if (Unsafe.Add(ref x, i) > max) max = Unsafe.Add(ref x, i);
        var target = Vector256.Create(max);
        for (i = 0; i + 8 <= n; i += 8)
        {
            uint mask = Vector256.Equals(Vector256.LoadUnsafe(ref x, i), target).ExtractMostSignificantBits();
            if (mask != 0) return (int)i + System.Numerics.BitOperations.TrailingZeroCount(mask);
        }
        for (; i < n; i++) if (Unsafe.Add(ref x, i) == max) return (int)i;
        return 0;   // unreachable: max is one of the elements
    }

    private static int ScalarArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>Σ x² accumulated in double (lanes widened to double; summation order differs from the scalar loop).</summary>
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0;
        double total = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            Vector512<double> s0 = default, s1 = default;
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref p, i));
                s0 += lo * lo;
                s1 += hi * hi;
            }
            total = Vector512.Sum(s0 + s1);
        }
        else if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<double> s0 = default, s1 = default;
            for (; i + 8 <= n; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref p, i));
                s0 += lo * lo;
                s1 += hi * hi;
            }
            total = Vector256.Sum(s0 + s1);
        }
        for (; i < n; i++)
        {
            double v = Unsafe.Add(ref p, i);
            total += v * v;
        }
        return total;
    }

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
