// Hand-computed forward values and argument validation for Core ops.
using Sprout.Core;

namespace Sprout.Core.Tests.Ops;

public class ForwardTests
{
    [Fact]
    public void LinearMatchesHandComputation()
    {
        var x = new Tensor([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var w = new Tensor([1f, 0f, -1f, 0.5f, 0.5f, 0.5f], 2, 3);
        var b = new Tensor([10f, 20f], 2);
        var y = Sprout.Core.Ops.Linear(x, w, b);
        Assert.Equal([2, 2], y.Shape.ToArray());
        Assert.Equal([10f - 2f, 20f + 3f, 10f - 2f, 20f + 7.5f], y.ToArray());
    }

    [Fact]
    public void CrossEntropyOfUniformLogitsIsLogClasses()
    {
        var logits = new Tensor(3, 4);
        var loss = Sprout.Core.Ops.SoftmaxCrossEntropy(logits, [0, 1, 2], 3);
        Assert.Equal(MathF.Log(4), loss[0], 5);
    }

    [Fact]
    public void ShapeMismatchesAreRejectedWithTheShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.Linear(new Tensor(2, 3), new Tensor(4, 5), null));
        Assert.Contains("last dimension 5", ex.Message);
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.Add(new Tensor(2, 3), new Tensor(3, 2)));
        Assert.Throws<ArgumentException>(() => Sprout.Core.Ops.SoftmaxCrossEntropy(new Tensor(2, 3), [0, 5], 2));
    }
}
