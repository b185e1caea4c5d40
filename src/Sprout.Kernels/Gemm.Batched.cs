// Batched GEMM: C_i (=|+=) op(A_i)·op(B_i) for i in [0, batch), the matrices of each operand stored back to back.
// Attention runs B·heads small products (64 × 64 × 32 for a 32×32 image in 4×4 patches): each is far below the
// size where the blocked driver splits one product among threads, so the batch is split instead. Every product
// runs whole on one thread through the same path (skinny or blocked) as Gemm.Multiply, serially, so the result
// equals a loop of Gemm.Multiply calls and does not depend on the thread count.
namespace Sprout.Kernels;

public static partial class Gemm
{
    /// <summary>
    /// For every i in [0, <paramref name="batch"/>): C_i[m×n] = op(A_i)·op(B_i) (or += when <paramref name="accumulate"/>),
    /// where A_i = a[i·m·k ..], B_i = b[i·k·n ..], C_i = c[i·m·n ..]; op and storage as in <see cref="Multiply"/>.
    /// </summary>
    /// <remarks>C must not overlap A or B. Allocates nothing after the first call on each thread.</remarks>
    /// <exception cref="ArgumentException">A size is negative or a span is shorter than batch times its matrix.</exception>
    public static unsafe void MultiplyBatched(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int batch, int m, int n, int k, bool transA = false, bool transB = false, bool accumulate = false)
    {
        ValidateBatched(a.Length, b.Length, c.Length, batch, m, n, k);
        if (batch == 0 || m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new BatchJob(pa, pb, pc, batch, m, n, k, transA, transB, accumulate);
            int threads = Parallelism.Threads;
            if (batch == 1 || threads == 1 || (long)batch * m * n * k < ParallelThreshold)
            {
                // One product at a time; a single large product may still use the driver's own threads.
                for (int i = 0; i < batch; i++) job.Item(i, allowParallel: batch == 1);
                return;
            }
            job.Parts = Math.Min(batch, 4 * threads);   // a few parts per thread so a preempted core does not stall the rest
            Parallelism.For(job.Parts, job);
        }
    }

    /// <summary>One product on the calling thread only, sizes trusted (callers inside their own parallel job, e.g. attention).</summary>
    internal static unsafe void MultiplySerial(float* a, float* b, float* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        if (m > 0 && n > 0) Dispatch(a, b, c, m, n, k, transA, transB, accumulate, allowParallel: false);
    }

    private static void ValidateBatched(int aLen, int bLen, int cLen, int batch, int m, int n, int k)
    {
        if (batch < 0 || m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"Batched GEMM sizes must be non-negative (batch={batch}, m={m}, n={n}, k={k}).");
        if (aLen < (long)batch * m * k) throw new ArgumentException($"A holds {aLen} elements, needs batch·m·k = {(long)batch * m * k}.");
        if (bLen < (long)batch * k * n) throw new ArgumentException($"B holds {bLen} elements, needs batch·k·n = {(long)batch * k * n}.");
        if (cLen < (long)batch * m * n) throw new ArgumentException($"C holds {cLen} elements, needs batch·m·n = {(long)batch * m * n}.");
    }

    /// <summary>Part p runs the contiguous range of products [ShareStart(batch, p, Parts), ShareStart(batch, p + 1, Parts)).</summary>
    private unsafe struct BatchJob(float* a, float* b, float* c, int batch, int m, int n, int k, bool transA, bool transB, bool accumulate)
        : IParallelJob
    {
        public int Parts;

        public readonly void Execute(int part)
        {
            int i1 = Parallelism.ShareStart(batch, part + 1, Parts);
            for (int i = Parallelism.ShareStart(batch, part, Parts); i < i1; i++) Item(i, allowParallel: false);
        }

        public readonly void Item(int i, bool allowParallel) =>
            Dispatch(a + (nint)i * m * k, b + (nint)i * k * n, c + (nint)i * m * n, m, n, k, transA, transB, accumulate, allowParallel);
    }

    public static partial class Scalar
    {
        /// <inheritdoc cref="Gemm.MultiplyBatched"/>
        public static void MultiplyBatched(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
            int batch, int m, int n, int k, bool transA = false, bool transB = false, bool accumulate = false)
        {
            for (int i = 0; i < batch; i++)
                Multiply(a.Slice(i * m * k, m * k), b.Slice(i * k * n, k * n), c.Slice(i * m * n, m * n), m, n, k, transA, transB, accumulate);
        }
    }
}
