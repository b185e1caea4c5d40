// Hand-computed forward values of the token ops (finite differences check their gradients, not their values).
using Sprout.Core;

namespace Sprout.Core.Tests.Ops;

public class TransformerForwardTests
{
    [Fact]
    public void TokenOpsMatchHandValues()
    {
        // Two samples of two tokens of width 2: sample 0 = [[1, 2], [3, 4]], sample 1 = [[5, 6], [7, 8]].
        var tokens = new Tensor([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], 4, 2);
        var table = new Tensor([10f, 20f, 30f, 40f], 2, 2);
        Assert.Equal([11f, 22f, 33f, 44f, 15f, 26f, 37f, 48f], Sprout.Core.Ops.AddBroadcast(tokens, table).ToArray());
        Assert.Equal([2f, 3f, 6f, 7f], Sprout.Core.Ops.MeanTokens(tokens, 2).ToArray());
        Assert.Equal([3f, 4f, 7f, 8f], Sprout.Core.Ops.SelectToken(tokens, 2, 1).ToArray());
        var cls = Sprout.Core.Ops.Tile(new Tensor([9f, 9.5f], 1, 2), 2);
        Assert.Equal([2, 2], cls.Shape.ToArray());
        Assert.Equal([9f, 9.5f, 1f, 2f, 3f, 4f, 9f, 9.5f, 5f, 6f, 7f, 8f], Sprout.Core.Ops.ConcatTokens(cls, tokens, 2).ToArray());
        var joined = Sprout.Core.Ops.Concat(new Tensor([1f, 2f, 3f, 4f], 2, 2), new Tensor([5f, 6f], 2, 1), axis: 1);
        Assert.Equal([2, 3], joined.Shape.ToArray());
        Assert.Equal([1f, 2f, 5f, 3f, 4f, 6f], joined.ToArray());
    }

    [Fact]
    public void SoftmaxLayerNormAndGeluMatchHandValues()
    {
        var p = Sprout.Core.Ops.Softmax(new Tensor([0f, MathF.Log(3f)], 1, 2));
        Assert.Equal(0.25f, p[0], 6);
        Assert.Equal(0.75f, p[1], 6);
        var y = Sprout.Core.Ops.LayerNorm(new Tensor([1f, 3f], 1, 2), new Tensor([2f, 2f], 2), new Tensor([0f, 1f], 2), 1e-6f);
        Assert.Equal(-2f, y[0], 4);   // (1 − 2)/1·2 + 0
        Assert.Equal(3f, y[1], 4);    // (3 − 2)/1·2 + 1
        var g = Sprout.Core.Ops.Gelu(new Tensor([1f, -1f], 2));
        Assert.Equal(0.8413447f, g[0], 6);
        Assert.Equal(-0.1586553f, g[1], 6);
    }
}
