// LRsI (GradInit on the masked net): the learned scales respect their lower bounds, the model ends at exactly
// θ = m·θ0 (masked zeros stay zero) with BatchNorm statistics untouched; the objective's gradient in m agrees with
// finite differences of the objective in both branches; and on a fixed batch pair the iterations lower the objective
// they minimise, measured the same way before and after (the log once compared ‖g‖ before with the loss after).
using Sprout.Core;
using Sprout.Nn;
using Sprout.TestSupport;
using Sprout.Training.Recipes.Tost;

namespace Sprout.Training.Tests.Recipes.Tost;

public sealed class LayerwiseRescaledInitTests
{
    [Fact]
    public void ScalesSatisfyTheLowerBoundsAndTheModelIsTheirRescaledInit()
    {
        var data = new Blobs(samples: 64, features: 32, seed: 3, batchSize: 16);
        var model = ConvModels.Build("resnet20", new DenseTestFactory(4), 2, 4, 4, data.Classes);
        // Stand-in for a mask: zero a third of conv1's weights; they must stay zero.
        var conv1 = model.NamedParameters().First(p => p.Name == "conv1.weight").Tensor;
        for (int i = 0; i < conv1.Size; i += 3) conv1.Data[i] = 0f;
        var initial = model.NamedParameters().Select(p => p.Tensor.Data.ToArray()).ToArray();
        var buffers = model.NamedBuffers().Select(p => p.Tensor.Data.ToArray()).ToArray();
        // A weight bound above the start (1) can only be met by the projection; the bias bound is the default 0.
        var options = new LrsiOptions { Iterations = 4, LearningRate = 0.5f, WeightScaleMin = 1.2f };

        var result = new LayerwiseRescaledInit(model, options).Run(data);

        Assert.Equal(4, result.Iterations);
        Assert.Equal(model.NamedParameters().Count, result.Scales.Count);
        var parameters = model.NamedParameters();
        for (int i = 0; i < parameters.Count; i++)
        {
            var (name, scale) = result.Scales[i];
            Assert.Equal(parameters[i].Name, name);
            float bound = name.EndsWith(".bias", StringComparison.Ordinal) ? 0f : 1.2f;
            Assert.True(scale >= bound, $"{name}: scale {scale} below its bound {bound}");
            var expected = initial[i].Select(x => scale * x).ToArray();
            Assert.Equal(expected, parameters[i].Tensor.Data.ToArray());
        }
        for (int i = 0; i < conv1.Size; i += 3) Assert.Equal(0f, conv1.Data[i]);
        var after = model.NamedBuffers();
        for (int i = 0; i < buffers.Length; i++) Assert.Equal(buffers[i], after[i].Tensor.Data.ToArray());
        Assert.True(double.IsFinite(result.Before.LossAfterStep) && double.IsFinite(result.After.LossAfterStep));
        Assert.True(double.IsFinite(result.Before.GradientNorm) && double.IsFinite(result.After.GradientNorm));
    }

    [Fact]
    public void GradientNormBranchMatchesFiniteDifferencesOfTheGradientNorm()
    {
        var (model, s, sPrime) = TanhMlp();
        var lrsi = new LayerwiseRescaledInit(model, new LrsiOptions { GradientNormBound = 1e-6f, HvpRelativeStep = 1e-2 });
        float[] scales = [0.9f, 1.3f, 1.1f, 0.7f];
        var analytic = new float[4];
        double f = lrsi.ObjectiveAndGradient(scales, s, sPrime, analytic, out bool normBranch);
        Assert.True(normBranch);
        Assert.Equal(lrsi.Measure(scales, s, sPrime).GradientNorm, f, 6);

        var scratch = new float[4];
        for (int i = 0; i < scales.Length; i++)
        {
            double fd = Central(scales, i, 1e-2f, m => lrsi.ObjectiveAndGradient(m, s, sPrime, scratch, out _));
            Approx.Equal(fd, analytic[i], atol: 5e-3, rtol: 5e-2, what: $"∂‖g‖/∂m[{i}] ({lrsi.Names[i]})");
        }
    }

    [Fact]
    public void StepBranchMatchesFiniteDifferencesOfTheLossAfterTheStep()
    {
        var (model, s, sPrime) = TanhMlp();
        const float eta = 0.5f;
        var lrsi = new LayerwiseRescaledInit(model, new LrsiOptions { GradientNormBound = 1e6f, StepSize = eta, HvpRelativeStep = 1e-2 });
        float[] scales = [0.9f, 1.3f, 1.1f, 0.7f];
        var analytic = new float[4];
        double f = lrsi.ObjectiveAndGradient(scales, s, sPrime, analytic, out bool normBranch);
        Assert.False(normBranch);
        Assert.Equal(lrsi.Measure(scales, s, sPrime).LossAfterStep / eta, f, 5); // the objective is the released code's loss / η

        var scratch = new float[4];
        for (int i = 0; i < scales.Length; i++)
        {
            double fd = Central(scales, i, 1e-2f, m => lrsi.ObjectiveAndGradient(m, s, sPrime, scratch, out _));
            Approx.Equal(fd, analytic[i], atol: 1e-2, rtol: 5e-2, what: $"∂f/∂m[{i}] ({lrsi.Names[i]})");
        }
    }

    // --lrsi-fixed-direction: the released code's gradient, that of L_S′(m·θ0 − η·d)/η with d = g/‖g‖ taken at m and
    // then held fixed. It differs from the full gradient above by the H·u term, which matters on this model at η = 0.5.
    [Fact]
    public void FixedDirectionMatchesFiniteDifferencesWithTheDirectionHeldFixed()
    {
        var (model, s, sPrime) = TanhMlp();
        const float eta = 0.5f;
        float[] scales = [0.9f, 1.3f, 1.1f, 0.7f];
        var full = new float[4];
        new LayerwiseRescaledInit(model, new LrsiOptions { GradientNormBound = 1e6f, StepSize = eta, HvpRelativeStep = 1e-2 })
            .ObjectiveAndGradient(scales, s, sPrime, full, out _);
        var lrsi = new LayerwiseRescaledInit(model, new LrsiOptions { GradientNormBound = 1e6f, StepSize = eta, FixedStepDirection = true });
        var analytic = new float[4];
        double f = lrsi.ObjectiveAndGradient(scales, s, sPrime, analytic, out _);

        var direction = NormalisedGradient(model, s); // the model is at θ = m·θ0 after ObjectiveAndGradient
        Assert.Equal(f * eta, lrsi.LossAfterStep(scales, direction, sPrime), 5);
        double difference = 0;
        for (int i = 0; i < scales.Length; i++)
        {
            double fd = Central(scales, i, 1e-2f, m => lrsi.LossAfterStep(m, direction, sPrime)) / eta;
            Approx.Equal(fd, analytic[i], atol: 1e-3, rtol: 1e-2, what: $"∂f/∂m[{i}] ({lrsi.Names[i]}), direction fixed");
            difference += Math.Abs(full[i] - analytic[i]);
        }
        Assert.True(difference > 0.05, $"the H·u term should matter on this model; |full − fixed| summed = {difference}");
    }

    [Theory]
    [InlineData(1e6f)]   // only the step branch: the loss after the step falls
    [InlineData(1e-6f)]  // only the ‖g‖ branch: ‖g‖ falls
    public void IterationsLowerTheObjectiveOnAFixedBatchPair(float gradientNormBound)
    {
        // Two batches per pass and no shuffling: every iteration sees the pair the result is measured on.
        var data = new Blobs(samples: 32, features: 6, seed: 8, batchSize: 16, shuffle: false);
        var rng = new Rng(21);
        var model = new Sequential(new Linear(6, 16, rng), new Relu(), new Linear(16, 3, rng));
        var options = new LrsiOptions { GradientNormBound = gradientNormBound, Iterations = 60, StepSize = 0.5f };

        var result = new LayerwiseRescaledInit(model, options).Run(data);

        bool normBranch = gradientNormBound < 1;
        Assert.Equal(normBranch ? 60 : 0, result.GradientNormIterations);
        if (normBranch) Assert.True(result.After.GradientNorm < 0.8 * result.Before.GradientNorm, $"‖g‖ {result.Before.GradientNorm} -> {result.After.GradientNorm}");
        else Assert.True(result.After.LossAfterStep < result.Before.LossAfterStep - 0.05, $"loss after the step {result.Before.LossAfterStep} -> {result.After.LossAfterStep}");
    }

    [Fact]
    public void IsDeterministic()
    {
        LrsiResult Run()
        {
            var data = new Blobs(samples: 64, features: 6, seed: 8, batchSize: 16);
            var rng = new Rng(5);
            var model = new Sequential(new Linear(6, 8, rng), new Relu(), new Linear(8, 3, rng));
            return new LayerwiseRescaledInit(model, new LrsiOptions { Iterations = 12 }).Run(data);
        }
        var (a, b) = (Run(), Run());
        Assert.Equal(a.Scales, b.Scales);
        Assert.Equal(a.After, b.After);
    }

    private static (Module Model, LrsiBatch S, LrsiBatch SPrime) TanhMlp()
    {
        var rng = new Rng(21);
        var model = new Sequential(new Linear(6, 5, rng), new Tanh(), new Linear(5, 3, rng));
        var data = new Blobs(samples: 32, features: 6, seed: 8, batchSize: 16, shuffle: false);
        data.Reset(0);
        Assert.True(data.Next(out var x1, out var y1, out int c1));
        var s = LrsiBatch.Copy(x1, y1, c1);
        Assert.True(data.Next(out var x2, out var y2, out int c2));
        return (model, s, LrsiBatch.Copy(x2, y2, c2));
    }

    // g/‖g‖ of the cross-entropy on batch at the model's current weights.
    private static float[][] NormalisedGradient(Module model, LrsiBatch batch)
    {
        var parameters = model.NamedParameters().Select(p => p.Tensor).ToArray();
        foreach (var p in parameters) p.ZeroGrad();
        var tape = new Tape();
        Tensor loss;
        using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(batch.Inputs), batch.Labels, batch.Count);
        tape.Backward(loss);
        var g = parameters.Select(p => p.Grad.ToArray()).ToArray();
        double norm = FiniteDifferenceHvp.Norm(g);
        foreach (var p in parameters) p.ZeroGrad();
        return g.Select(a => a.Select(x => (float)(x / norm)).ToArray()).ToArray();
    }

    private static double Central(float[] scales, int i, float delta, Func<float[], double> f)
    {
        var plus = (float[])scales.Clone();
        var minus = (float[])scales.Clone();
        plus[i] += delta;
        minus[i] -= delta;
        return (f(plus) - f(minus)) / (2 * delta);
    }

    [Fact]
    public void RejectsBadOptions()
    {
        var model = new Sequential(new Linear(2, 2, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayerwiseRescaledInit(model, new LrsiOptions { Iterations = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayerwiseRescaledInit(model, new LrsiOptions { WeightScaleMin = -1 }));
    }
}
