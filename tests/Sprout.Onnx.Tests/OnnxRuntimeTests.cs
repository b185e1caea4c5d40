// ONNX export against ONNX Runtime: dense and sparse MLPs (CSR, masked, Top-KAST layers; sparse weights stored dense
// and as sparse_initializer) trained briefly on the embedded digits, then logits compared on every test batch
// (max |Δ| ≤ 1e-4) and test accuracy compared (identical to 0.01 pp); on MNIST when the data is present.
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.TestSupport;

namespace Sprout.Onnx.Tests;

public class OnnxRuntimeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Lazy<DatasetSplits> Digits = new(() => DatasetRegistry.Load("digits", new DataOptions()));

    public static TheoryData<string, SparseWeightFormat> Models() => new()
    {
        { "dense", SparseWeightFormat.Dense },
        { "csr", SparseWeightFormat.Dense },
        { "csr", SparseWeightFormat.SparseInitializer },
        { "csr", SparseWeightFormat.SparseConstant },
        { "masked", SparseWeightFormat.Dense },
        { "masked", SparseWeightFormat.SparseInitializer },
        { "topkast", SparseWeightFormat.SparseConstant },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void DigitsMlpMatchesOnnxRuntime(string kind, SparseWeightFormat format)
    {
        var splits = Digits.Value;
        var model = Build(kind, splits.Train.SampleSize, [64, 32], splits.Train.ClassCount, new Rng(11));
        OrtComparison.Train(model, splits.Train, splits.Test, epochs: 5);
        var r = OrtComparison.Run(model, splits.Test, new OnnxExportOptions { SparseWeights = format });
        output.WriteLine($"{kind} {format}: max |Δlogit| {r.MaxAbsDiff:E2}, accuracy Sprout {r.SproutAccuracy:P2} ORT {r.OrtAccuracy:P2}, {r.Disagreements} argmax disagreements of {r.Samples}");
        Assert.Equal(splits.Test.Count, r.Samples);
        Assert.True(r.MaxAbsDiff <= 1e-4, $"max |logit difference| {r.MaxAbsDiff:E2} > 1e-4");
        // Far above chance (10 %), so the compared logits are those of a trained model, not of noise.
        Assert.True(r.SproutAccuracy > 0.5, $"the model did not train ({r.SproutAccuracy:P1}), so the comparison would say little");
        Assert.Equal(r.SproutAccuracy, r.OrtAccuracy, 1e-4); // 0.01 percentage points
    }

    [RequiresDataFact]
    public void MnistLeNet300SparseMatchesOnnxRuntime()
    {
        var splits = DatasetRegistry.Load("mnist", new DataOptions { DataDirectory = TestData.Directory });
        var model = SparseModels.Mlp(784, [300, 100], 10, [0.05, 0.05, 0.2], new Rng(3));
        OrtComparison.Train(model, splits.Train.Subset([.. Enumerable.Range(0, 10_000)]), splits.Test, epochs: 2);
        foreach (var format in new[] { SparseWeightFormat.Dense, SparseWeightFormat.SparseInitializer, SparseWeightFormat.SparseConstant })
        {
            var r = OrtComparison.Run(model, splits.Test, new OnnxExportOptions { SparseWeights = format }, batchSize: 1000);
            output.WriteLine($"mnist {format}: max |Δlogit| {r.MaxAbsDiff:E2}, accuracy Sprout {r.SproutAccuracy:P2} ORT {r.OrtAccuracy:P2}, {r.Disagreements} argmax disagreements of {r.Samples}");
            Assert.Equal(10_000, r.Samples);
            Assert.True(r.MaxAbsDiff <= 1e-4, $"{format}: max |logit difference| {r.MaxAbsDiff:E2} > 1e-4");
            Assert.True(r.SproutAccuracy > 0.8, $"the model did not train ({r.SproutAccuracy:P1})");
            Assert.Equal(r.SproutAccuracy, r.OrtAccuracy, 1e-4);
        }
    }

    private static Module Build(string kind, int inputs, int[] hidden, int classes, Rng rng) => kind switch
    {
        "dense" => Sprout.Nn.Models.Mlp(inputs, hidden, classes, rng),
        "csr" => SparseModels.Mlp(inputs, hidden, classes, [0.2, 0.3, 0.5], rng),
        "masked" => SparseModels.Mlp(inputs, hidden, classes, [0.2, 0.3, 0.5], rng, SparseLayerKind.Masked),
        "topkast" => new Sequential(new Flatten(), new TopKastLinear(inputs, hidden[0], 0.3, 0.1, rng), new Relu(),
            new TopKastLinear(hidden[0], hidden[1], 0.3, 0.1, rng), new Relu(), new Linear(hidden[1], classes, rng)),
        _ => throw new ArgumentException(kind),
    };
}
