// Ghost components in Sprout.Nn: a Relu with finite GhostBeta computes x·σ(βx) and with +∞ exactly ReLU; ghost skip
// paths with α = 0 leave a block's output unchanged, with α > 0 change it, and once detached leave the block's
// parameters, buffers and module tree exactly as built (ancestors' cached lists included).
using Sprout.Core;
using Sprout.Nn;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Tost;

public sealed class GhostTests
{
    [Fact]
    public void GhostReluIsSwishWhileFiniteAndReluAtInfinity()
    {
        var x = new Tensor([-3f, -0.5f, 0f, 0.25f, 2f], 5);
        var relu = new Relu { GhostBeta = 2f };
        var soft = relu.Forward(x).ToArray();
        for (int i = 0; i < x.Size; i++)
            Assert.Equal(x[i] / (1 + MathF.Exp(-2f * x[i])), soft[i], 5);
        relu.GhostBeta = float.PositiveInfinity;
        Assert.Equal(Ops.Relu(x).ToArray(), relu.Forward(x).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => relu.GhostBeta = 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => relu.GhostBeta = float.NaN);
    }

    [Fact]
    public void GhostPathsAddNothingAtAlphaZeroAndLeaveNoTraceWhenDetached()
    {
        var model = ConvModels.Build("resnet20", new DenseTestFactory(3), 2, 4, 4, 3);
        var names = model.NamedParameters().Select(p => p.Name).ToList();   // caches the root's list
        var bufferNames = model.NamedBuffers().Select(p => p.Name).ToList();
        string tree = string.Join(',', model.Modules().Select(m => m.GetType().Name));
        var input = new Tensor(4, 2 * 4 * 4);
        new Rng(5).FillNormal(input.Data, 0f, 1f);
        var plainOut = model.Forward(input).ToArray();

        var paths = Ghosts.AttachSkips(model);
        Assert.Equal(9, paths.Count);
        Assert.Equal(names.Count + 9 * 6, model.NamedParameters().Count);   // conv_a, conv_b weights + two BatchNorms' γ, β
        Assert.Equal(paths.Sum(p => p.ParameterCount), paths.Zip(model.Modules().OfType<BasicBlock>())
            .Sum(z => GhostSkipPaths.ParameterCountFor(z.Second.InChannels, z.Second.OutChannels)));
        foreach (var p in paths) p.Alpha = 0f;
        Assert.Equal(plainOut, model.Forward(input).ToArray());
        foreach (var p in paths) p.Alpha = 1f;
        Assert.NotEqual(plainOut, model.Forward(input).ToArray());
        Assert.True(paths[0].MacsPerSample() > 0);

        Assert.Equal(9, Ghosts.RemoveSkips(model));
        Assert.Equal(names, model.NamedParameters().Select(p => p.Name));
        Assert.Equal(bufferNames, model.NamedBuffers().Select(p => p.Name));
        Assert.Equal(tree, string.Join(',', model.Modules().Select(m => m.GetType().Name)));
        Assert.Equal(0, Ghosts.RemoveSkips(model));
    }

    [Fact]
    public void RelusIncludesTheActivationsInsideBlocks()
    {
        var model = ConvModels.Build("resnet20", new DenseTestFactory(3), 2, 4, 4, 3);
        Assert.Equal(1 + 9 * 2, Ghosts.Relus(model).Count);   // the stem's ReLU and two per block
        var wrn = ConvModels.Build("wrn-10-1", new DenseTestFactory(3), 2, 4, 4, 3);
        Assert.Equal(1 + 3 * 2, Ghosts.Relus(wrn).Count);
    }
}
