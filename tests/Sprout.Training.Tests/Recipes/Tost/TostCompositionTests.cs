// The whole recipe (LRsI, ghost neurons, ghost skips, annealed label smoothing) on a tiny ResNet-20 built with the dense
// factory, under two mask sources applied as zeroed weights held at zero after every step: a static random mask and a
// SNIP mask (top |g ⊙ θ| on one batch). The recipe must train finitely, keep every pruned weight at zero (LRsI scales,
// ghosts never touch the masked layers), and leave the plain ResNet-20 structure behind.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.TestSupport;
using Sprout.Training.Recipes.Tost;

namespace Sprout.Training.Tests.Recipes.Tost;

public sealed class TostCompositionTests
{
    [Theory]
    [InlineData("static")]
    [InlineData("snip")]
    public void RecipeComposesWithAMaskOnAResNet(string maskSource)
    {
        var data = new Blobs(samples: 64, features: 32, seed: 3, batchSize: 16);
        var model = ConvModels.Build("resnet20", new DenseTestFactory(5), 2, 4, 4, data.Classes);
        var plainNames = model.NamedParameters().Select(p => p.Name).ToList();
        var weights = model.NamedParameters().Where(p => p.Name.EndsWith("conv1.weight", StringComparison.Ordinal) || p.Name.EndsWith("conv2.weight", StringComparison.Ordinal))
            .Select(p => p.Tensor).ToList();
        var masks = maskSource == "static" ? RandomMasks(weights, 0.2) : SnipMasks(model, weights, data, 0.2);
        ApplyMasks(weights, masks);

        var lrsi = new LayerwiseRescaledInit(model, new LrsiOptions { Iterations = 3, LabelSmoothing = 0.1f }).Run(data);
        Assert.All(lrsi.Scales, s => Assert.True(s.Scale >= (s.Name.EndsWith(".bias", StringComparison.Ordinal) ? 0f : 0.01f)));
        AssertMasked(weights, masks);

        var opt = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true);
        var trainer = new Trainer(model, opt, new CosineLr(2 * data.BatchesPerEpoch), new TrainerOptions { LabelSmoothing = 0.1f });
        var recipe = new TostCallback(model, new TostSchedule(data.BatchesPerEpoch), true, true, 0.1f, p => new Sgd(p, 0.05f, momentum: 0.9f), 0);
        trainer.Callbacks.Add(recipe);
        trainer.Callbacks.Add(new HoldMask(weights, masks));
        var results = trainer.Fit(data, data, 2);

        Assert.All(results, e => Assert.True(double.IsFinite(e.TrainLoss)));
        AssertMasked(weights, masks);
        Assert.False(recipe.HasGhostPaths);
        Assert.Equal(plainNames, model.NamedParameters().Select(p => p.Name));
    }

    private static bool[][] RandomMasks(List<Tensor> weights, double density)
    {
        var rng = new Rng(9);
        return weights.Select(w => Enumerable.Range(0, w.Size).Select(_ => rng.NextDouble() < density).ToArray()).ToArray();
    }

    // SNIP: keep the globally largest |g ⊙ θ| on one batch.
    private static bool[][] SnipMasks(Module model, List<Tensor> weights, Blobs data, double density)
    {
        data.Reset(0);
        Assert.True(data.Next(out var x, out var y, out int n));
        var tape = new Tape();
        model.ZeroGrad();
        Tensor loss;
        using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(x), y, n);
        tape.Backward(loss);
        tape.Reset();
        var scores = weights.SelectMany(w => Enumerable.Range(0, w.Size).Select(i => Math.Abs(w.Grad[i] * w.Data[i]))).OrderDescending().ToArray();
        float threshold = scores[(int)(density * scores.Length)];
        var masks = weights.Select(w => Enumerable.Range(0, w.Size).Select(i => Math.Abs(w.Grad[i] * w.Data[i]) > threshold).ToArray()).ToArray();
        model.ZeroGrad();
        return masks;
    }

    private static void ApplyMasks(List<Tensor> weights, bool[][] masks)
    {
        for (int l = 0; l < weights.Count; l++)
            for (int i = 0; i < weights[l].Size; i++)
                if (!masks[l][i]) weights[l].Data[i] = 0f;
    }

    private static void AssertMasked(List<Tensor> weights, bool[][] masks)
    {
        for (int l = 0; l < weights.Count; l++)
            for (int i = 0; i < weights[l].Size; i++)
                if (!masks[l][i]) Assert.Equal(0f, weights[l].Data[i]);
        Assert.Contains(weights, w => w.ToArray().Any(v => v != 0f));
    }

    // A stand-in for masked layers (their factories arrive with the conv layer work): re-zero pruned weights after each step.
    private sealed class HoldMask(List<Tensor> weights, bool[][] masks) : ITrainingCallback
    {
        public void OnStepEnd(Trainer trainer, in StepInfo step) => ApplyMasks(weights, masks);
    }
}
