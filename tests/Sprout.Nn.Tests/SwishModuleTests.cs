// The Swish module's β is annealable from outside: changing Beta between steps changes the function (ToST's ghost neuron).
using Sprout.Core;

namespace Sprout.Nn.Tests;

public sealed class SwishModuleTests
{
    [Fact]
    public void BetaChangesTheFunctionBetweenSteps()
    {
        var swish = new Swish(beta: 1f);
        var x = new Tensor([1f, -1f], 2);
        float soft = swish.Forward(x)[0];
        swish.Beta = 40f;
        var sharp = swish.Forward(x);
        Assert.Equal(1f / (1f + MathF.Exp(-1f)), soft, 6);
        Assert.Equal(1f, sharp[0], 6);
        Assert.Equal(0f, sharp[1], 6);
    }
}
