// Module plumbing: parameter names and order, modes, and builders.
using Sprout.Core;
using Sprout.Nn;

namespace Sprout.Nn.Tests;

public class ModuleTests
{
    [Fact]
    public void MlpHasPyTorchStyleParameterNames()
    {
        var net = Models.Mlp(784, [300, 100], 10, new Rng(1));
        var names = net.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(["1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"], names);
        Assert.Equal(784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10, net.Parameters().Sum(p => p.Size));
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void EvalModePropagatesAndDisablesDropout()
    {
        var net = new Sequential(new Dropout(0.5f, new Rng(2)), new Relu());
        net.Eval();
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        var x = new Tensor(4, 4);
        x.Data.Fill(1f);
        Assert.Equal(x.ToArray(), net.Forward(x).ToArray());
        net.Train();
        Assert.True(net.Layers[0].Training);
    }

    [Fact]
    public void LinearInitIsWithinPyTorchBound()
    {
        var l = new Linear(100, 50, new Rng(3));
        Assert.All(l.Weight.ToArray(), w => Assert.InRange(w, -0.1f, 0.1f));
        Assert.Equal([50, 100], l.Weight.Shape.ToArray());
    }

    [Fact]
    public void BadSizesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Linear(0, 3, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1f, new Rng(1)));
    }
}
