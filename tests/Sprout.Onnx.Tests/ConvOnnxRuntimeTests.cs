// ONNX export of conv nets against ONNX Runtime: LeNet-5 (MNIST-shaped), ResNet-8/20 and a Wide ResNet (CIFAR-shaped)
// on random inputs, dense, always-sparse (CSR at 10 %), masked and Top-KAST, with BatchNorm statistics, γ, β and biases made
// non-trivial so every BatchNormalization really computes; max |Δlogit| ≤ 1e-4 and identical argmax on a batch.
// A ResNet-8 trained briefly on digits, and a sparse LeNet-5 on MNIST when the data is present, are compared on the
// whole test split (accuracy identical to 0.01 pp).
// VGG-16 and ResNet-18 run once each on a small batch.
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Sparse.Allocation;
using Sprout.TestSupport;

namespace Sprout.Onnx.Tests;

public class ConvOnnxRuntimeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, string, SparseWeightFormat, int, int> Models() => new()
    {
        // model, layers (dense | csr | masked | topkast at 10 %), sparse weight storage, channels, side
        { "lenet5", "dense", SparseWeightFormat.Dense, 1, 28 },
        { "lenet5", "csr", SparseWeightFormat.SparseConstant, 1, 28 },
        { "lenet5", "masked", SparseWeightFormat.SparseInitializer, 1, 28 },
        { "resnet8", "dense", SparseWeightFormat.Dense, 1, 8 },
        { "resnet8", "csr", SparseWeightFormat.Dense, 1, 8 },
        { "resnet8", "csr", SparseWeightFormat.SparseInitializer, 1, 8 },
        { "resnet20", "dense", SparseWeightFormat.Dense, 3, 32 },
        { "resnet20", "csr", SparseWeightFormat.SparseConstant, 3, 32 },
        { "resnet20", "masked", SparseWeightFormat.Dense, 3, 32 },
        { "wrn-16-2", "dense", SparseWeightFormat.Dense, 3, 32 },
        { "wrn-16-2", "csr", SparseWeightFormat.SparseConstant, 3, 32 },
        { "wrn-10-1", "masked", SparseWeightFormat.SparseConstant, 1, 8 },
        { "resnet8", "topkast", SparseWeightFormat.SparseConstant, 1, 8 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void ConvNetMatchesOnnxRuntime(string name, string kind, SparseWeightFormat format, int channels, int side)
    {
        var model = Build(name, kind, channels, side, seed: 7);
        Perturb(model, new Rng(8));
        var r = OrtComparison.RunRandom(model, [channels, side, side], batch: 8, new OnnxExportOptions { SparseWeights = format }, new Rng(9));
        output.WriteLine($"{name} {kind} {format}: max |Δlogit| {r.MaxAbsDiff:E2} (logits up to {r.MaxAbsLogit:F2}), {r.Disagreements} argmax disagreements of {r.Samples}");
        Assert.True(r.MaxAbsLogit > 1e-2, "the logits are all about zero, so the comparison would say little");
        Assert.True(r.MaxAbsDiff <= 1e-4, $"max |logit difference| {r.MaxAbsDiff:E2} > 1e-4");
        Assert.Equal(0, r.Disagreements);
    }

    [Theory]
    [InlineData("vgg16")]
    [InlineData("resnet18")]
    public void LargeConvNetMatchesOnnxRuntime(string name)
    {
        var model = Build(name, "dense", 3, 32, seed: 3);
        Perturb(model, new Rng(4));
        var r = OrtComparison.RunRandom(model, [3, 32, 32], batch: 2, new OnnxExportOptions(), new Rng(5));
        output.WriteLine($"{name}: max |Δlogit| {r.MaxAbsDiff:E2} (logits up to {r.MaxAbsLogit:F2}), {r.Disagreements} argmax disagreements of {r.Samples}");
        Assert.True(r.MaxAbsDiff <= 1e-4, $"max |logit difference| {r.MaxAbsDiff:E2} > 1e-4");
        Assert.Equal(0, r.Disagreements);
    }

    [Theory]
    [InlineData("dense", SparseWeightFormat.Dense)]
    [InlineData("csr", SparseWeightFormat.SparseConstant)]
    public void TrainedDigitsResNet8MatchesOnnxRuntime(string kind, SparseWeightFormat format)
    {
        var splits = DatasetRegistry.Load("digits", new DataOptions());
        var model = Build("resnet8", kind, 1, 8, seed: 2);
        OrtComparison.Train(model, splits.Train, splits.Test, epochs: 2);
        var r = OrtComparison.Run(model, splits.Test, new OnnxExportOptions { SparseWeights = format });
        output.WriteLine($"resnet8 {kind} {format}: max |Δlogit| {r.MaxAbsDiff:E2}, accuracy Sprout {r.SproutAccuracy:P2} ORT {r.OrtAccuracy:P2}, {r.Disagreements} argmax disagreements of {r.Samples}");
        Assert.Equal(splits.Test.Count, r.Samples);
        Assert.True(r.MaxAbsDiff <= 1e-4, $"max |logit difference| {r.MaxAbsDiff:E2} > 1e-4");
        Assert.True(r.SproutAccuracy > 0.5, $"the model did not train ({r.SproutAccuracy:P1}), so the comparison would say little");
        Assert.Equal(r.SproutAccuracy, r.OrtAccuracy, 1e-4);
    }

    [RequiresDataFact]
    public void MnistLeNet5SparseMatchesOnnxRuntime()
    {
        var splits = DatasetRegistry.Load("mnist", new DataOptions { DataDirectory = TestData.Directory });
        var model = Build("lenet5", "csr", 1, 28, seed: 6);
        OrtComparison.Train(model, splits.Train.Subset([.. Enumerable.Range(0, 5_000)]), splits.Test, epochs: 1);
        var r = OrtComparison.Run(model, splits.Test, new OnnxExportOptions { SparseWeights = SparseWeightFormat.SparseConstant }, batchSize: 500);
        output.WriteLine($"mnist lenet5 csr: max |Δlogit| {r.MaxAbsDiff:E2}, accuracy Sprout {r.SproutAccuracy:P2} ORT {r.OrtAccuracy:P2}, {r.Disagreements} argmax disagreements of {r.Samples}");
        Assert.Equal(10_000, r.Samples);
        Assert.True(r.MaxAbsDiff <= 1e-4, $"max |logit difference| {r.MaxAbsDiff:E2} > 1e-4");
        Assert.True(r.SproutAccuracy > 0.8, $"the model did not train ({r.SproutAccuracy:P1})");
        Assert.Equal(r.SproutAccuracy, r.OrtAccuracy, 1e-4);
    }

    private static ConvNet Build(string name, string kind, int channels, int side, ulong seed)
    {
        if (kind == "dense") return ConvModels.Build(name, new DenseLayerFactory(new Rng(seed)), channels, side, side, 10);
        var shapes = RecordingLayerFactory.Record(f => ConvModels.Build(name, f, channels, side, side, 10));
        var plan = new DensityPlan(shapes, shapes.Select(_ => 0.1).ToArray());
        ILayerFactory factory = kind switch
        {
            "csr" => new SparseLayerFactory(plan, new Rng(seed), SparseLayerKind.Csr),
            "masked" => new SparseLayerFactory(plan, new Rng(seed), SparseLayerKind.Masked),
            _ => new TopKastLayerFactory(plan, new Rng(seed), new TopKastOptions(BackwardExtra: 0.1)),
        };
        return ConvModels.Build(name, factory, channels, side, side, 10);
    }

    // Untrained BatchNorm is the identity in evaluation mode (mean 0, variance 1, γ 1, β 0): make every term count.
    private static void Perturb(Module model, Rng rng)
    {
        foreach (var m in model.Modules())
            if (m is BatchNorm2d bn)
            {
                rng.FillNormal(bn.RunningMean.Data, 0f, 0.2f);
                rng.FillUniform(bn.RunningVar.Data, 0.5f, 2f);
                if (bn.Gamma is not null) rng.FillUniform(bn.Gamma.Data, 0.5f, 1.5f);
                if (bn.Beta is not null) rng.FillNormal(bn.Beta.Data, 0f, 0.2f);
            }
            else if (m is Conv2d { Bias: not null } c) rng.FillNormal(c.Bias.Data, 0f, 0.1f);
            else if (m is SparseConv2d { Bias: not null } s) rng.FillNormal(s.Bias.Data, 0f, 0.1f);
            else if (m is MaskedConv2d { Bias: not null } k) rng.FillNormal(k.Bias.Data, 0f, 0.1f);
    }
}
