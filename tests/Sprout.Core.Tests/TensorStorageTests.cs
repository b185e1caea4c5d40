// Resize keeps existing elements (optimizer state growing with a sparse layer's nnz) and Rebind points a tensor at
// another array while keeping its gradient (a sparse layer's reallocated value array).
using Sprout.Core;

namespace Sprout.Core.Tests;

public class TensorStorageTests
{
    [Fact]
    public void ResizeKeepsElementsAndZeroesTheGrownOnes()
    {
        var t = new Tensor(new float[] { 1, 2, 3 }, 3);
        t.Grad[1] = 5f;
        t.Resize([5]);
        Assert.Equal([1f, 2f, 3f, 0f, 0f], t.ToArray());
        Assert.Equal(5f, t.Grad[1]);
        t.Resize([2]);
        Assert.Equal([1f, 2f], t.ToArray());
    }

    [Fact]
    public void RebindUsesTheNewArrayAndKeepsTheGradient()
    {
        var t = new Tensor(new float[] { 1, 2 }, 2);
        t.Grad[0] = 7f;
        var storage = new float[] { 4, 5, 6, 0 };
        t.Rebind(storage, [3]);
        Assert.Same(storage, t.Storage);
        Assert.Equal([4f, 5f, 6f], t.ToArray());
        Assert.Equal(7f, t.Grad[0]);
        Assert.Contains("storage holds 4", Assert.Throws<ArgumentException>(() => t.Rebind(storage, [5])).Message);
        Assert.Same(storage, t.Storage);
    }
}
