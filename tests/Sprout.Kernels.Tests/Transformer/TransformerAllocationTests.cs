// The transformer kernels, called again with the same shapes after a warm-up, allocate nothing on the calling
// thread, including the batch-parallel GEMM and the thread-shared softmax and LayerNorm.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

[Collection(ThreadsCollection.Name)]
public sealed class TransformerAllocationTests
{
    [Fact]
    public void KernelsAllocateNothingInSteadyState()
    {
        const int bh = 16, n = 65, d = 32, rows = 640, cols = 192;
        float[] q = Shapes.Random(bh * n * d, 1), k = Shapes.Random(bh * n * d, 2), s = new float[bh * n * n], o = new float[bh * n * d];
        float[] x = Shapes.Random(rows * cols, 3), y = new float[rows * cols], dy = Shapes.Random(rows * cols, 4), dx = new float[rows * cols];
        float[] gamma = Shapes.Random(cols, 5), beta = Shapes.Random(cols, 6), mean = new float[rows], rstd = new float[rows];
        float[] dg = new float[cols], db = new float[cols], heads = new float[rows * cols / 3], pooled = new float[10 * cols];

        void Step()
        {
            Gemm.MultiplyBatched(q, k, s, bh, n, n, d, transB: true);
            Softmax.Rows(s, s, bh * n, n, 0.17f);
            Softmax.RowsBackward(s, s, s, bh * n, n, 0.17f);
            Gemm.MultiplyBatched(s, k, o, bh, n, d, n);
            Gemm.MultiplyBatched(s, q, k, bh, n, d, n, transA: true, accumulate: true);
            LayerNorm.Forward(x, gamma, beta, y, mean, rstd, rows, cols);
            LayerNorm.Backward(dy, x, gamma, mean, rstd, dx, dg, db, rows, cols);
            Activations.Gelu(x, y);
            Activations.GeluBackward(x, dy, dx);
            Heads.Split(x, heads, 10, 64, 4, 16, cols, 64);
            Heads.Merge(heads, y, 10, 64, 4, 16, cols, 64, accumulate: true);
            ColumnBlock.Insert(heads, y, rows, 64, cols, 128);
            ColumnBlock.Extract(y, heads, rows, 64, cols, 0, accumulate: true);
            TokenPooling.Mean(x, pooled, 10, 64, cols);
            TokenPooling.MeanBackward(pooled, dx, 10, 64, cols);
        }

        int saved = Parallelism.Threads;
        try
        {
            Parallelism.Threads = 2;
            Step();
            Assert.Equal(0, Allocations.OnceSettled(Step));
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}
