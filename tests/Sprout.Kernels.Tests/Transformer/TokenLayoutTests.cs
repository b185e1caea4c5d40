// Head split/merge, column-block concatenation and token mean pooling against their scalar references on odd
// sizes (one token, one head, d = 1), with accumulation, plus the inverse relations the autograd ops rely on.
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests.Transformer;

public sealed class TokenLayoutTests
{
    public static TheoryData<int, int, int, int, int> HeadCases() => new()
    {
        // batch, tokens, heads, headDim, parts
        { 1, 1, 1, 1, 1 }, { 2, 5, 1, 3, 3 }, { 3, 5, 4, 2, 3 }, { 2, 1, 3, 5, 1 }, { 4, 17, 6, 8, 3 }, { 0, 3, 2, 2, 1 },
    };

    [Theory]
    [MemberData(nameof(HeadCases))]
    public void SplitAndMergeMatchScalarAndInvertEachOther(int batch, int tokens, int heads, int headDim, int parts)
    {
        int width = parts * heads * headDim, size = batch * heads * tokens * headDim;
        var x = Shapes.Random(batch * tokens * width, 1);
        for (int part = 0; part < parts; part++)
        {
            int offset = part * heads * headDim;
            foreach (bool acc in new[] { false, true })
            {
                float[] hE = Shapes.Random(size, 2), hA = (float[])hE.Clone();
                Heads.Scalar.Split(x, hE, batch, tokens, heads, headDim, width, offset, acc);
                Heads.Split(x, hA, batch, tokens, heads, headDim, width, offset, acc);
                Assert.Equal(hE, hA);
                float[] tE = Shapes.Random(x.Length, 3), tA = (float[])tE.Clone();
                Heads.Scalar.Merge(hE, tE, batch, tokens, heads, headDim, width, offset, acc);
                Heads.Merge(hE, tA, batch, tokens, heads, headDim, width, offset, acc);
                Assert.Equal(tE, tA);
            }
            // Merge(Split(x)) restores x's block; other columns stay as they were.
            var h = new float[size];
            Heads.Split(x, h, batch, tokens, heads, headDim, width, offset);
            var back = new float[x.Length];
            Heads.Merge(h, back, batch, tokens, heads, headDim, width, offset);
            for (int r = 0; r < batch * tokens; r++)
                for (int c = 0; c < width; c++)
                    Assert.Equal(c >= offset && c < offset + heads * headDim ? x[r * width + c] : 0f, back[r * width + c]);
        }
    }

    [Fact]
    public void SplitPlacesHandPickedElements()
    {
        // batch 1, tokens 2, heads 2, d 1, q/k/v fused: token n's row is [q0 q1 k0 k1 v0 v1].
        float[] x = [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16];
        var k = new float[4];
        Heads.Split(x, k, 1, 2, 2, 1, 6, 2);
        Assert.Equal(new float[] { 3, 13, 4, 14 }, k);   // head 0: tokens 0, 1; head 1: tokens 0, 1
        Assert.Throws<ArgumentException>(() => Heads.Split(x, k, 1, 2, 2, 1, 6, 5));
    }

    [Theory]
    [InlineData(1, 1, 1, 0)]
    [InlineData(3, 2, 5, 3)]
    [InlineData(4, 7, 9, 2)]
    [InlineData(0, 3, 3, 0)]
    public void ColumnBlockMatchesScalar(int outer, int inner, int width, int offset)
    {
        var block = Shapes.Random(outer * inner, 1);
        var wide = Shapes.Random(outer * width, 2);
        foreach (bool acc in new[] { false, true })
        {
            float[] wE = (float[])wide.Clone(), wA = (float[])wide.Clone();
            ColumnBlock.Scalar.Insert(block, wE, outer, inner, width, offset, acc);
            ColumnBlock.Insert(block, wA, outer, inner, width, offset, acc);
            Assert.Equal(wE, wA);
            float[] bE = (float[])block.Clone(), bA = (float[])block.Clone();
            ColumnBlock.Scalar.Extract(wide, bE, outer, inner, width, offset, acc);
            ColumnBlock.Extract(wide, bA, outer, inner, width, offset, acc);
            Assert.Equal(bE, bA);
        }
        if (outer > 0) Assert.Throws<ArgumentException>(() => ColumnBlock.Insert(block, wide, outer, inner, width, width - inner + 1));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 7)]
    [InlineData(2, 65, 33)]
    [InlineData(0, 4, 4)]
    public void TokenMeanMatchesScalar(int batch, int tokens, int dim)
    {
        var x = Shapes.Random(batch * tokens * dim, 1);
        float[] yE = new float[batch * dim], yA = new float[batch * dim];
        TokenPooling.Scalar.Mean(x, yE, batch, tokens, dim);
        TokenPooling.Mean(x, yA, batch, tokens, dim);
        Approx.Equal(yE, yA, 1e-6f, 1e-5f, "mean");
        var dy = Shapes.Random(batch * dim, 2);
        float[] dxE = Shapes.Random(x.Length, 3), dxA = (float[])dxE.Clone();
        TokenPooling.Scalar.MeanBackward(dy, dxE, batch, tokens, dim);
        TokenPooling.MeanBackward(dy, dxA, batch, tokens, dim);
        Approx.Equal(dxE, dxA, 1e-6f, 1e-5f, "backward");
        Assert.Throws<ArgumentException>(() => TokenPooling.Mean(x, yA, 1, 0, dim));
    }
}
