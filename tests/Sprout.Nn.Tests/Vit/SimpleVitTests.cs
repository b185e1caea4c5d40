// SimpleVit: parameter count by formula and by hand, layer paths through the factory, output shape for every
// option, the fixed sin-cos table, a few AdamW steps lowering the loss on random data, and a steady-state
// training step that allocates nothing.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Vit;

public sealed class SimpleVitTests
{
    private static VitConfig Small(VitPool pool = VitPool.Mean, VitPositions pos = VitPositions.SinCos, bool normAfterPool = false) =>
        new(Channels: 3, Height: 8, Width: 12, Classes: 5, Patch: 4, Dim: 16, Depth: 2, Heads: 2, HeadDim: 6, MlpDim: 24)
        {
            Pool = pool, Positions = pos, NormAfterPool = normAfterPool,
        };

    public static TheoryData<VitPool, VitPositions, bool> Options() => new()
    {
        { VitPool.Mean, VitPositions.SinCos, false }, { VitPool.Mean, VitPositions.SinCos, true },
        { VitPool.ClassToken, VitPositions.Learned, false }, { VitPool.ClassToken, VitPositions.SinCos, true }, { VitPool.Mean, VitPositions.Learned, false },
    };

    [Theory]
    [MemberData(nameof(Options))]
    public void ParameterCountFormulaMatchesTheModelAndOutputIsBatchByClasses(VitPool pool, VitPositions pos, bool normAfterPool)
    {
        var config = Small(pool, pos, normAfterPool);
        var model = new SimpleVit(config, new DenseLayerFactory(new Rng(1)), new Rng(2));
        Assert.Equal(config.ParameterCount(), model.Parameters().Sum(p => (long)p.Size));
        var images = GradCheck.RandomTensor(3, 7, 3 * 8 * 12);
        var logits = model.Forward(images);
        Assert.Equal([7, 5], logits.Shape.ToArray());
        Assert.All(logits.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ParameterCountByHand()
    {
        // Patch dim 48, D 16, inner 12, MLP 24, 5 classes, 6 patches:
        // embed 2·48 + 48·16 + 16 + 2·16 = 912; block 2·16 + 16·36 + 12·16 + 2·16 + 16·24 + 24 + 24·16 + 16 = 1640;
        // final norm 32, head 16·5 + 5 = 85 → 912 + 2·1640 + 32 + 85 = 4309; a class token adds 16, learned positions 7·16.
        Assert.Equal(4309, Small().ParameterCount());
        Assert.Equal(4309 + 16 + 7 * 16, Small(VitPool.ClassToken, VitPositions.Learned).ParameterCount());
    }

    [Fact]
    public void EveryLinearComesFromTheFactoryByStablePath()
    {
        var factory = new DenseLayerFactory(new Rng(1));
        var model = new SimpleVit(Small(), factory, new Rng(2));
        string[] expected =
        [
            "embed",
            "blocks.0.attn.qkv", "blocks.0.attn.out", "blocks.0.mlp.fc1", "blocks.0.mlp.fc2",
            "blocks.1.attn.qkv", "blocks.1.attn.out", "blocks.1.mlp.fc1", "blocks.1.mlp.fc2",
            "head",
        ];
        Assert.Equal(expected, factory.Requests.Select(r => r.Path));
        Assert.Contains(("blocks.1.attn.qkv", 16, 36, false), factory.Requests);
        Assert.Contains(("blocks.1.attn.out", 12, 16, false), factory.Requests);
        Assert.Contains(("blocks.0.mlp.fc1", 16, 24, true), factory.Requests);
        // The module path of each factory layer's weight is its factory path, so densities and checkpoints line up.
        var names = model.NamedParameters().Select(p => p.Name).ToHashSet();
        Assert.All(expected, path => Assert.Contains(path + ".weight", names));
        Assert.DoesNotContain(model.NamedParameters(), p => p.Tensor == model.SinCosTable);
    }

    [Fact]
    public void SinCosTableHasSimpleVitsLayout()
    {
        var t = PositionalEmbedding.SinCos2d(2, 3, 8);   // ω = [1, 10000^(−1)]
        Assert.Equal([6, 8], t.Shape.ToArray());
        Approx.Equal([0f, 0f, 1f, 1f, 0f, 0f, 1f, 1f], t.Data[..8], 1e-7f, 0f, "patch (0, 0)");
        // Patch (y = 1, x = 2) is row 5: [sin 2ω, cos 2ω, sin ω, cos ω].
        Approx.Equal([MathF.Sin(2), MathF.Sin(2e-4f), MathF.Cos(2), MathF.Cos(2e-4f), MathF.Sin(1), MathF.Sin(1e-4f), MathF.Cos(1), MathF.Cos(1e-4f)],
            t.Data.Slice(5 * 8, 8), 1e-6f, 1e-6f, "patch (1, 2)");
        Assert.Throws<ArgumentException>(() => PositionalEmbedding.SinCos2d(2, 2, 6));
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void AdamWStepsLowerTheLossOnAFixedRandomBatch(VitPool pool, VitPositions pos, bool normAfterPool)
    {
        var model = new SimpleVit(Small(pool, pos, normAfterPool), new DenseLayerFactory(new Rng(4)), new Rng(5));
        var images = GradCheck.RandomTensor(6, 16, 3 * 8 * 12);
        int[] labels = Enumerable.Range(0, 16).Select(i => i * 7 % 5).ToArray();
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 3e-3f, weightDecay: 0.05f);
        var tape = new Tape();
        float first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(images), labels, 16);
            tape.Backward(loss);
            if (step == 0) first = loss[0];
            last = loss[0];
            GradientClipping.ClipNorm(model.Parameters(), 1f);
            optimizer.Step();
            optimizer.ZeroGrad();
            tape.Reset();
        }
        Assert.True(last < 0.5f * first, $"loss {first} → {last} after 30 AdamW steps");
    }

    [Fact]
    public void GradientsReachEveryParameter()
    {
        var model = new SimpleVit(Small(VitPool.ClassToken, VitPositions.Learned), new DenseLayerFactory(new Rng(7)), new Rng(8));
        var images = GradCheck.RandomTensor(9, 3, 3 * 8 * 12);
        var tape = new Tape();
        Tensor loss;
        using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(images), [0, 1, 2], 3);
        tape.Backward(loss);
        foreach (var (name, p) in model.NamedParameters())
            Assert.True(p.HasGrad && p.Grad.ToArray().Any(g => g != 0f), $"{name} got no gradient");
        tape.Reset();
    }

    [Fact]
    public void SteadyStateTrainingStepAllocatesNothing()
    {
        var model = new SimpleVit(Small(VitPool.ClassToken, VitPositions.Learned, normAfterPool: true), new DenseLayerFactory(new Rng(10)), new Rng(11));
        var images = GradCheck.RandomTensor(12, 4, 3 * 8 * 12);
        int[] labels = [0, 1, 2, 3];
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 1e-3f);
        var tape = new Tape();
        void Step()
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(images), labels, 4);
            tape.Backward(loss);
            optimizer.Step();
            optimizer.ZeroGrad();
            tape.Reset();
        }
        for (int i = 0; i < 20; i++) Step();
        Assert.Equal(0, Allocations.OnceSettled(Step));
    }

    [Fact]
    public void RejectsInconsistentConfigurations()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SimpleVit(Small() with { Patch = 5 }, new DenseLayerFactory(new Rng(1)), new Rng(2)));
        Assert.Contains("does not divide", ex.Message);
        Assert.Throws<ArgumentException>(() => new SimpleVit(Small() with { Dim = 18 }, new DenseLayerFactory(new Rng(1)), new Rng(2)));
        var model = new SimpleVit(Small(), new DenseLayerFactory(new Rng(1)), new Rng(2));
        Assert.Throws<ArgumentException>(() => model.Forward(new Tensor(2, 100)));
    }
}
