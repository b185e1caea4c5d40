// Row softmax with a folded input scale, y = softmax(s·x) per row, and its backward. Attention scores are
// softmax(q·kᵀ/√d): folding 1/√d in here saves a pass over the B·h·N² score matrix (and a node on the tape).
// Per row the work is TensorPrimitives (max, exp, sum, scale); rows are shared among the kernel threads when
// the matrix is large, each row owned by one thread, so results do not depend on the thread count.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>Softmax along the last axis of a row-major [rows × cols] matrix.</summary>
public static class Softmax
{
    // Below this many elements a fork-join costs more than the exps it shares (about 10 µs of work).
    private const long ParallelElements = 1 << 15;

    // Rows per parallel part: enough work to amortize the hand-out of an index.
    private const int ElementsPerPart = 1 << 13;

    // Chunk of a row processed through a stack buffer in the backward pass (kernels never allocate).
    private const int Chunk = 256;

    /// <summary>y[r, c] = exp(s·x[r, c] − max_c s·x[r, ·]) / Σ_c exp(…) for x and y of shape [rows × cols], s = <paramref name="scale"/> &gt; 0.</summary>
    /// <remarks>y may be x itself (in place). Rows with cols = 0 are empty; a row of −∞ gives NaN, as in PyTorch.</remarks>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or the scale is not positive.</exception>
    public static unsafe void Rows(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, float scale = 1f)
    {
        Validate(x.Length, y.Length, rows, cols, scale, "y");
        fixed (float* px = x, py = y) Run(new RowsJob(px, py, null, rows, cols, scale, backward: false));
    }

    /// <summary>dx[r, ·] += s·y[r, ·] ⊙ (dy[r, ·] − Σ_c dy[r, c]·y[r, c]) (y is the forward output; accumulates).</summary>
    /// <exception cref="ArgumentException">A size is negative, a span is too short, or the scale is not positive.</exception>
    public static unsafe void RowsBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols, float scale = 1f)
    {
        Validate(y.Length, dx.Length, rows, cols, scale, "dx");
        Simd.RequireLength(checked(rows * cols), dy.Length, nameof(dy));
        fixed (float* py = y, pdy = dy, pdx = dx) Run(new RowsJob(py, pdx, pdy, rows, cols, scale, backward: true));
    }

    private static void Validate(int xLength, int yLength, int rows, int cols, float scale, string output)
    {
        if (rows < 0 || cols < 0) throw new ArgumentException($"Sizes must be non-negative (rows={rows}, cols={cols}).");
        if (!(scale > 0) || float.IsInfinity(scale)) throw new ArgumentException($"The softmax scale must be positive and finite, got {scale}.", nameof(scale));
        int size = checked(rows * cols);
        Simd.RequireLength(size, xLength, "x");
        Simd.RequireLength(size, yLength, output);
    }

    private static void Run(in RowsJob job)
    {
        long size = (long)job.Rows * job.Cols;
        if (size == 0) return;
        if (size < ParallelElements || Parallelism.Threads == 1) job.Range(0, job.Rows);
        else Parallelism.For(job.Parts, job);
    }

    /// <summary>Forward: input → output. Backward: input is y, output is dx, gradient is dy.</summary>
    private readonly unsafe struct RowsJob(float* input, float* output, float* gradient, int rows, int cols, float scale, bool backward) : IParallelJob
    {
        public int Rows => rows;
        public int Cols => cols;
        public int Parts => Math.Max(1, Math.Min(rows, (int)((long)rows * cols / ElementsPerPart)));

        public void Execute(int part) => Range(Parallelism.ShareStart(rows, part, Parts), Parallelism.ShareStart(rows, part + 1, Parts));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see Simd.Run: tiering may never reach this loop
        public void Range(int r0, int r1)
        {
            for (int r = r0; r < r1; r++)
            {
                var inRow = new ReadOnlySpan<float>(input + (nint)r * cols, cols);
                var outRow = new Span<float>(output + (nint)r * cols, cols);
                if (backward) BackwardRow(inRow, new ReadOnlySpan<float>(gradient + (nint)r * cols, cols), outRow, scale);
                else ForwardRow(inRow, outRow, scale);
            }
        }
    }

    internal static void ForwardRow(ReadOnlySpan<float> x, Span<float> y, float scale)
    {
        float max = TensorPrimitives.Max(x);
        // exp(s·x − s·max) (max of x, not of s·x: the same for s > 0).
        TensorPrimitives.Multiply(x, scale, y);
        TensorPrimitives.Add(y, -scale * max, y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Multiply(y, 1f / TensorPrimitives.Sum(y), y);
    }

    [SkipLocalsInit]
    internal static void BackwardRow(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float scale)
    {
        float dot = TensorPrimitives.Dot(dy, y);
        Span<float> t = stackalloc float[Chunk];
        for (int c = 0; c < y.Length; c += Chunk)
        {
            int len = Math.Min(Chunk, y.Length - c);
            var tc = t[..len];
            TensorPrimitives.Subtract(dy.Slice(c, len), dot, tc);        // dy − Σ dy·y
            TensorPrimitives.Multiply(tc, y.Slice(c, len), tc);          // ⊙ y
            var d = dx.Slice(c, len);
            TensorPrimitives.MultiplyAdd(tc, scale, d, d);               // dx += s·(…)
        }
    }

    /// <summary>Reference loops (max-subtracted, sums in double).</summary>
    public static class Scalar
    {
        /// <inheritdoc cref="Softmax.Rows"/>
        public static void Rows(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, float scale = 1f)
        {
            for (int r = 0; r < rows; r++)
            {
                int o = r * cols;
                float max = float.NegativeInfinity;
                for (int c = 0; c < cols; c++) max = MathF.Max(max, x[o + c]);
                double sum = 0;
                for (int c = 0; c < cols; c++) sum += Math.Exp(scale * ((double)x[o + c] - max));
                for (int c = 0; c < cols; c++) y[o + c] = (float)(Math.Exp(scale * ((double)x[o + c] - max)) / sum);
            }
        }

        /// <inheritdoc cref="Softmax.RowsBackward"/>
        public static void RowsBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols, float scale = 1f)
        {
            for (int r = 0; r < rows; r++)
            {
                int o = r * cols;
                double dot = 0;
                for (int c = 0; c < cols; c++) dot += (double)dy[o + c] * y[o + c];
                for (int c = 0; c < cols; c++) dx[o + c] += (float)(scale * y[o + c] * (dy[o + c] - dot));
            }
        }
    }
}
