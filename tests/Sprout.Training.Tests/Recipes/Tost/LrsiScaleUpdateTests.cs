// LRsI's Adam on the scales: the loss branch's moments are its own, so its first step after any number of ‖g‖-branch
// steps is a full Adam first step (lr per scale) however large the ‖g‖ gradients were; scales stop at their bounds.
using Sprout.Training.Recipes.Tost;

namespace Sprout.Training.Tests.Recipes.Tost;

public sealed class LrsiScaleUpdateTests
{
    [Fact]
    public void TheLossBranchStartsWithFreshMomentsAfterGradientNormSteps()
    {
        const float lr = 1e-2f;
        var update = new LrsiScaleUpdate([0.01f, 0.01f, 0f], lr, clip: 1f);
        for (int i = 0; i < 5; i++) update.Step([30f, -30f, 30f], gradientNormBranch: true);
        var before = update.Scales.ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(1f - 5 * lr * (i == 1 ? -1 : 1), before[i], 4);

        update.Step([1e-3f, 1e-3f, -2e-3f], gradientNormBranch: false);

        // A first Adam step moves each scale by lr·g/(|g| + ε): lr, against the gradient's sign. Shared moments would
        // have moved them by about 0.86·lr in the direction of the ‖g‖ steps: the third one down, not up.
        var after = update.Scales.ToArray();
        Assert.Equal(before[0] - lr, after[0], 5);
        Assert.Equal(before[1] - lr, after[1], 5);
        Assert.Equal(before[2] + lr, after[2], 5);
    }

    [Fact]
    public void ScalesStopAtTheirLowerBounds()
    {
        var update = new LrsiScaleUpdate([0.95f, 0f], 0.1f, clip: 1f);
        for (int i = 0; i < 30; i++) update.Step([5f, 5f], gradientNormBranch: false);
        Assert.Equal(0.95f, update.Scales[0]);
        Assert.Equal(0f, update.Scales[1]);
    }

    [Fact]
    public void RejectsAGradientOfTheWrongLength()
    {
        var update = new LrsiScaleUpdate([0.01f, 0.01f], 1e-2f, clip: 1f);
        Assert.Throws<ArgumentException>(() => update.Step([1f], gradientNormBranch: false));
        Assert.Throws<ArgumentException>(() => new LrsiScaleUpdate([0.01f], 1e-2f, clip: 0f));
    }
}
