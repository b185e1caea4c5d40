// Finite-difference checks for the transformer primitives and for attention composed from them, on odd sizes:
// sequence length 1 and 5, one head and many heads, a batch of one and of several.
using Sprout.Core;
using Sprout.TestSupport;

namespace Sprout.Core.Tests.Ops;

public class TransformerGradientTests
{
    private static Tensor R(ulong seed, params int[] shape) => GradCheck.RandomTensor(seed, shape);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void BatchedMatMulInEveryTransposeForm(bool transA, bool transB)
    {
        const int batch = 3, m = 2, n = 5, k = 4;
        Tensor a = transA ? R(1, batch, k, m) : R(1, batch, m, k), b = transB ? R(2, batch, n, k) : R(2, batch, k, n);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.BatchedMatMul(a, b, transA, transB)), [a, b]);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.35f)]
    public void SoftmaxAlongLastAxis(float scale)
    {
        var x = R(3, 2, 3, 5);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Softmax(x, scale)), [x]);
        var single = R(4, 3, 1);   // one column: softmax is constant 1, gradient 0
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Softmax(single)), [single]);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 7)]
    [InlineData(3, 300)]   // wider than the kernel's 256-float chunk
    public void LayerNormOverLastAxis(int rows, int cols)
    {
        Tensor x = R(5, rows, cols), gamma = R(6, cols), beta = R(7, cols);
        float eps = cols == 1 ? 1e-1f : 1e-5f;   // one feature: x̂ = 0 for any x, so only the ε path has a gradient
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.LayerNorm(x, gamma, beta, eps)), [x, gamma, beta], eps: 1e-2f, atol: 4e-3f);
    }

    [Fact]
    public void LayerNormWithFrozenAffineGivesOnlyTheInputGradient()
    {
        Tensor x = R(8, 3, 6), gamma = R(9, 6), beta = R(10, 6);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.LayerNorm(x, gamma, beta)), [x]);
        Assert.False(gamma.HasGrad);
    }

    [Fact]
    public void Gelu()
    {
        var x = R(11, 5, 7);
        for (int i = 0; i < x.Size; i++) x[i] *= 3f;
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Gelu(x)), [x]);
    }

    [Theory]
    [InlineData(1, 1, 1, 1, 0)]
    [InlineData(2, 5, 3, 3, 2)]
    [InlineData(3, 1, 4, 1, 0)]
    public void SplitAndMergeHeads(int batch, int tokens, int heads, int parts, int part)
    {
        const int headDim = 2;
        var x = R(12, batch * tokens, parts * heads * headDim);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.SplitHeads(x, tokens, heads, part, parts)), [x]);
        var h = R(13, batch * heads, tokens, headDim);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.MergeHeads(h, heads)), [h]);
    }

    [Fact]
    public void BroadcastAddTileConcatAndTokenMean()
    {
        Tensor tokens = R(14, 3 * 5, 4), table = R(15, 5, 4), cls = R(16, 1, 4);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.AddBroadcast(tokens, table)), [tokens, table]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Tile(cls, 3)), [cls]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.ConcatTokens(Sprout.Core.Ops.Tile(cls, 3), tokens, 3)), [cls, tokens]);
        Tensor a = R(17, 2, 3, 4), b = R(18, 2, 1, 4);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Concat(a, b, axis: 1)), [a, b]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Concat(a, a, axis: -1)), [a]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.MeanTokens(tokens, 5)), [tokens]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.SelectToken(tokens, 5, 0)), [tokens]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.SelectToken(tokens, 5, 4)), [tokens]);
    }

    [Fact]
    public void PatchifyIsAPermutation()
    {
        var images = R(26, 2, 3 * 4 * 6);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.Patchify(images, 3, 4, 6, 2)), [images]);
        var ex = Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.Patchify(images, 3, 4, 6, 4));
        Assert.Contains("does not divide", ex.Message);
    }

    public static TheoryData<int, int, int, int> AttentionCases() => new()
    {
        // batch, sequence length, heads, head dim
        { 1, 1, 1, 3 }, { 2, 1, 4, 2 }, { 1, 5, 1, 4 }, { 2, 5, 1, 3 }, { 2, 5, 4, 2 }, { 1, 5, 6, 1 }, { 3, 2, 3, 2 },
        { 1, 9, 2, 32 },   // whole 32-wide panels: q, k, v and dO read in place (no padded copy), 8-row tile plus a tail row
    };

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void SelfAttentionThroughFusedQkv(int batch, int tokens, int heads, int headDim)
    {
        // Scaled up so the softmax is far from uniform and every path of the gradient matters.
        var qkv = R(19, batch * tokens, 3 * heads * headDim);
        for (int i = 0; i < qkv.Size; i++) qkv[i] *= 2f;
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.SelfAttention(qkv, tokens, heads)), [qkv]);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.SelfAttentionFromPrimitives(qkv, tokens, heads)), [qkv]);
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void FeatureMajorSelfAttentionMatchesFiniteDifferencesAndTheBatchMajorOp(int batch, int tokens, int heads, int headDim)
    {
        int rows = batch * tokens, width = 3 * heads * headDim;
        var qkv = R(29, rows, width);
        for (int i = 0; i < qkv.Size; i++) qkv[i] *= 2f;
        var fm = new Tensor(width, rows) { Layout = Layout.FeatureMajor };
        Kernels.Transpose.Scalar.Matrix(qkv.Data, fm.Data, rows, width);
        GradCheck.Check(() => GradCheck.WeightedSum(Sprout.Core.Ops.SelfAttention(fm, tokens, heads)), [fm]);

        // Same function: the feature-major output and gradient are the transposes of the batch-major ones.
        var y = Sprout.Core.Ops.SelfAttention(qkv, tokens, heads);
        var yFm = Sprout.Core.Ops.SelfAttention(fm, tokens, heads);
        Assert.Equal(Layout.FeatureMajor, yFm.Layout);
        Assert.Equal([heads * headDim, rows], yFm.Shape.ToArray());
        var expected = new float[y.Size];
        Kernels.Transpose.Scalar.Matrix(y.Data, expected, rows, heads * headDim);
        Approx.Equal(expected, yFm.Data, 1e-6f, 1e-5f, "output");
    }

    [Theory]
    [MemberData(nameof(AttentionCases))]
    public void FusedAttentionEqualsTheComposedPrimitives(int batch, int tokens, int heads, int headDim)
    {
        var qkv = R(28, batch * tokens, 3 * heads * headDim);
        for (int i = 0; i < qkv.Size; i++) qkv[i] *= 2f;
        qkv.RequiresGrad = true;
        (float[] Y, float[] Grad) Run(Func<Tensor, int, int, Tensor> attention)
        {
            qkv.ZeroGrad();
            var tape = new Tape();
            Tensor y, loss;
            using (tape.Record()) loss = GradCheck.WeightedSum(y = attention(qkv, tokens, heads));
            tape.Backward(loss);
            var result = (y.ToArray(), qkv.Grad.ToArray());
            tape.Reset();
            return result;
        }
        var fused = Run(Sprout.Core.Ops.SelfAttention);
        var composed = Run(Sprout.Core.Ops.SelfAttentionFromPrimitives);
        Approx.Equal(composed.Y, fused.Y, 1e-5f, 1e-4f, "output");
        Approx.Equal(composed.Grad, fused.Grad, 1e-5f, 1e-4f, "dQkv");
    }

    [Fact]
    public void AttentionBlockWithProjectionsAndResidual()
    {
        // x → LN → qkv Linear (no bias) → attention → output Linear → + x, all parameters checked together.
        const int batch = 2, tokens = 5, dim = 4, heads = 2;
        Tensor x = R(20, batch * tokens, dim), gamma = R(21, dim), beta = R(22, dim), wqkv = R(23, 3 * dim, dim), wo = R(24, dim, dim);
        foreach (var attention in new Func<Tensor, int, int, Tensor>[] { Sprout.Core.Ops.SelfAttention, Sprout.Core.Ops.SelfAttentionFromPrimitives })
            GradCheck.Check(() =>
            {
                var n = Sprout.Core.Ops.LayerNorm(x, gamma, beta);
                var a = attention(Sprout.Core.Ops.Linear(n, wqkv, null), tokens, heads);
                return GradCheck.WeightedSum(Sprout.Core.Ops.Add(x, Sprout.Core.Ops.Linear(a, wo, null)));
            }, [x, gamma, beta, wqkv, wo]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RepeatedStepsOnOneTapeGiveTheSameGradients(bool fused)
    {
        // The second step rents the same pooled intermediates, whose stale gradients must read as zero again
        // (overwritten by the fused attention, BatchedMatMul and MergeHeads, cleared on first use elsewhere).
        var qkv = R(27, 2 * 5, 3 * 2 * 3);
        qkv.RequiresGrad = true;
        var tape = new Tape();
        float[] Gradient()
        {
            qkv.ZeroGrad();
            Tensor loss;
            using (tape.Record())
            {
                var scaled = Sprout.Core.Ops.Scale(qkv, 1.5f);
                loss = GradCheck.WeightedSum(fused ? Sprout.Core.Ops.SelfAttention(scaled, 5, 2) : Sprout.Core.Ops.SelfAttentionFromPrimitives(scaled, 5, 2));
            }
            tape.Backward(loss);
            tape.Reset();
            return qkv.Grad.ToArray();
        }
        var first = Gradient();
        Assert.Contains(first, g => g != 0f);
        Assert.Equal(first, Gradient());
        Assert.Equal(first, Gradient());
    }

    [Fact]
    public void AttentionWeightsOfOneTokenAreOneSoOutputIsV()
    {
        var qkv = R(25, 3, 3 * 2 * 2);   // batch 3, one token, 2 heads of 2
        foreach (var y in new[] { Sprout.Core.Ops.SelfAttention(qkv, tokens: 1, heads: 2), Sprout.Core.Ops.SelfAttentionFromPrimitives(qkv, tokens: 1, heads: 2) })
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 4; c++) Assert.Equal(qkv[r, 8 + c], y[r, c], 6);
    }

    [Fact]
    public void ShapeErrorsNameTheShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.SplitHeads(new Tensor(10, 12), tokens: 3, heads: 2));
        Assert.Contains("[10, 12]", ex.Message);
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.BatchedMatMul(new Tensor(2, 3, 4), new Tensor(2, 5, 6)));
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.SelfAttention(new Tensor(10, 12), tokens: 5, heads: 3));
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.LayerNorm(new Tensor(2, 3), new Tensor(4), new Tensor(3)));
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.AddBroadcast(new Tensor(10, 4), new Tensor(3, 4)));
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.Concat(new Tensor(2, 3), new Tensor(3, 3), axis: 1));
    }
}
