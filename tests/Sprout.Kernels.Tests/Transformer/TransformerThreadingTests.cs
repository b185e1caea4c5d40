// The transformer kernels that share work among threads (softmax and LayerNorm by rows, LayerNorm's γ/β gradient by
// column blocks, head moves by sample, GELU by chunks) give bit-identical results for any thread count.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

[Collection(ThreadsCollection.Name)]
public sealed class TransformerThreadingTests
{
    [Fact]
    public void ResultsAreBitIdenticalForAnyThreadCount()
    {
        const int rows = 1030, cols = 193, batch = 10, tokens = 103, heads = 3, headDim = 23;   // every kernel above its parallel threshold
        var x = Shapes.Random(rows * cols, 1, -3f, 3f);
        var dy = Shapes.Random(rows * cols, 2);
        float[] gamma = Shapes.Random(cols, 3), beta = Shapes.Random(cols, 4);
        var qkv = Shapes.Random(batch * tokens * 3 * heads * headDim, 5);
        float[]? reference = null;
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                var outputs = new List<float>();
                float[] y = new float[x.Length], dx = Shapes.Random(x.Length, 6), mean = new float[rows], rstd = new float[rows];
                float[] dg = Shapes.Random(cols, 7), db = Shapes.Random(cols, 8);
                Softmax.Rows(x, y, rows, cols, 0.7f);
                Softmax.RowsBackward(y, dy, dx, rows, cols, 0.7f);
                outputs.AddRange(y);
                outputs.AddRange(dx);
                LayerNorm.Forward(x, gamma, beta, y, mean, rstd, rows, cols);
                LayerNorm.Backward(dy, x, gamma, mean, rstd, dx, dg, db, rows, cols);
                outputs.AddRange(y);
                outputs.AddRange(dx);
                outputs.AddRange(dg);
                outputs.AddRange(db);
                Activations.Gelu(x, y);
                Activations.GeluBackward(x, dy, dx);
                outputs.AddRange(y);
                outputs.AddRange(dx);
                var h = new float[batch * heads * tokens * headDim];
                var back = Shapes.Random(qkv.Length, 9);
                Heads.Split(qkv, h, batch, tokens, heads, headDim, 3 * heads * headDim, heads * headDim);
                Heads.Merge(h, back, batch, tokens, heads, headDim, 3 * heads * headDim, 2 * heads * headDim, accumulate: true);
                outputs.AddRange(back);
                if (reference is null) reference = [.. outputs];
                else Assert.Equal(reference, outputs.ToArray());
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}
