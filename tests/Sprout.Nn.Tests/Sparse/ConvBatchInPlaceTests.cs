// A sparse conv layer's batch for the growth criteria is read in place from the tape's buffers: after the step's tape
// reset (where the training loop runs topology updates) the layer holds no copy of X or dY of its own, the gradient it
// computes from them at the live positions is the step's weight gradient, and releasing them lets the next step
// reuse the buffers, so the tape's pool does not grow.
using Sprout.Core;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

public class ConvBatchInPlaceTests
{
    [Fact]
    public void AfterTheReset_LayersReadTheTapesXAndDy_WithoutCopies_AndReleaseReturnsThem()
    {
        var model = SparseModels.Build(f => ConvModels.Build("resnet8", f, 2, 6, 6, 3), new DensityAllocationOptions(0.3), new Rng(1), SparseLayerKind.Csr);
        var convs = model.Modules().OfType<SparseConv2d>().ToArray();
        Assert.True(convs.Length >= 6);
        var tape = new Tape();
        var x = new Tensor(4, 2 * 6 * 6);
        new Rng(3).FillNormal(x.Data, 0, 1);
        int[] labels = [0, 1, 2, 0];
        void Step()
        {
            foreach (var p in model.Parameters()) p.ZeroGrad();
            using (tape.Record()) tape.Backward(Functional.CrossEntropy(model.Forward(x), labels, 4));
            tape.Reset();
        }

        Step();
        long pooled = tape.PooledFloats;
        foreach (var conv in convs)
        {
            Assert.Equal(0, conv.CachedCopyFloats);
            Assert.True(conv.CachedBatch > 0);
            var m = conv.Topology;
            int[] rows = new int[m.Nnz], cols = m.ColumnIndices[..m.Nnz].ToArray();
            for (int r = 0; r < m.Rows; r++)
                for (int p = m.RowPointers[r]; p < m.RowPointers[r + 1]; p++) rows[p] = r;
            float[] atLive = new float[m.Nnz];
            conv.GradientsAt(rows, cols, atLive);
            Approx.Equal(conv.Values.Grad.ToArray(), atLive, 1e-4f, 1e-4f, conv.ToString());
            conv.ReleaseBatch();
            Assert.Equal(0, conv.CachedBatch);
            Assert.Throws<InvalidOperationException>(() => conv.GradientsAt(rows[..1], cols[..1], atLive.AsSpan(0, 1)));
        }

        for (int i = 0; i < 3; i++)
        {
            Step();
            foreach (var conv in convs) conv.ReleaseBatch();
        }
        Assert.Equal(pooled, tape.PooledFloats);

        foreach (var conv in convs) conv.CachePaused = true;
        Step();
        Assert.All(convs, c => Assert.Equal(0, c.CachedBatch));
    }
}
