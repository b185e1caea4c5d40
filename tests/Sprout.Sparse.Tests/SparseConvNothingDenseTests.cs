// The always-sparse promise for convolutions: a 4096-input-channel 3×3 conv (Cin·k·k = 36,864 columns, 1024 output
// channels: a dense weight would be 151 MB) goes through construction, forward, backward, gradients at 10,000
// arbitrary positions and two dense gradient rows with total allocation O(nnz + activations), far below one dense
// weight or one im2col buffer (Cin·k·k × B·OH·OW = 18.9 MB here).
using Sprout.Core;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Sparse.Tests;

[Collection(ProcessMemory.Name)]
public class SparseConvNothingDenseTests
{
    [Fact]
    public void LargeFanInConv_FullSparseStep_AllocatesOnlyNnzAndActivations()
    {
        var shape = new ConvShape(4096, 1024, 3, 3, 1, 1);
        const int batch = 2, h = 8, w = 8, k = 10_000;
        long denseWeightBytes = 4L * shape.OutChannels * shape.FanIn, im2colBytes = 4L * shape.FanIn * batch * h * w;
        long before = GC.GetTotalAllocatedBytes(true);

        var m = CsrMatrix.RandomWithDensity(shape.OutChannels, shape.FanIn, 0.005, new Rng(4));
        new Rng(5).FillUniform(m.Values, -0.05f, 0.05f);
        var values = new Tensor(m.Values, m.Nnz) { RequiresGrad = true };
        var x = GradCheck.RandomTensor(6, shape.InChannels, batch, h, w);
        x.Layout = Layout.FeatureMajor;
        x.RequiresGrad = true;
        var cache = new ConvBatchCache();
        var tape = new Tape();
        using (tape.Record())
        {
            var y = SparseConv2dOp.Forward(x, m, values, null, shape, cache);
            tape.Backward(Ops.Sum(y));
        }
        tape.Reset();
        var rng = new Rng(7);
        int[] rows = new int[k], cols = new int[k];
        for (int q = 0; q < k; q++) (rows[q], cols[q]) = (rng.NextInt(shape.OutChannels), rng.NextInt(shape.FanIn));
        float[] scores = new float[k], block = new float[2 * shape.FanIn];
        SparseConv2dOp.GradientsAt(cache, shape, h, w, rows, cols, scores);
        SparseConv2dOp.DenseGradientRows(cache, shape, h, w, 10, 12, block);
        long allocated = GC.GetTotalAllocatedBytes(true) - before;

        // Every gradient of the loss Σy is the sum of the input over the tap's window: nonzero somewhere, finite everywhere.
        Assert.Contains(values.Grad.ToArray(), g => g != 0);
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        Assert.Contains(block, g => g != 0);
        // Budget: the CSR matrix with its transposed index (≈ 5 ints/floats per nnz) and a few copies of x (input, its
        // gradient, the cache's copy), y and its gradients, the position lists and the two dense rows, with 2× slack.
        long activations = 4L * shape.InChannels * batch * h * w, outputs = 4L * shape.OutChannels * batch * h * w;
        long budget = 2 * (24L * m.Nnz + 4 * activations + 4 * outputs + 12L * k + block.Length * 4L + 4L * shape.FanIn);
        Assert.True(allocated < budget, $"allocated {allocated >> 20} MB, budget {budget >> 20} MB");
        Assert.True(allocated < Math.Min(denseWeightBytes, im2colBytes), $"allocated {allocated >> 20} MB: not below one dense weight / im2col buffer");
    }
}
