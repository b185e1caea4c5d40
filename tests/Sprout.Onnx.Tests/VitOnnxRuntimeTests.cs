// ONNX export of vision transformers against ONNX Runtime: small random SimpleVits (1 to 4 heads, odd head and MLP
// widths, depth 1–2, 8×8 and non-square 8×12 / 12×8 images with patch 4, mean pooling and class token, sin-cos and
// learned positions, the final norm before or after pooling) with dense, CSR, masked and Top-KAST projections, stored
// dense, as sparse constants or as sparse initializers; LayerNorm γ, β, biases, the class token and the positions set
// at random so that every term computes. Sprout's evaluation-mode logits and ONNX Runtime's agree to 1e-4 relative to
// the largest logit, with the same argmax on every sample.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse.Allocation;

namespace Sprout.Onnx.Tests;

public class VitOnnxRuntimeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, int, int, int, string, SparseWeightFormat, int> Models() => new()
    {
        // spec, channels, height, width, layers (dense | csr | masked | topkast at 30 %), sparse weight storage, opset
        { "vit:patch=4,dim=8,depth=1,heads=1,mlp=7", 1, 8, 8, "dense", SparseWeightFormat.Dense, 17 },
        { "vit:patch=4,dim=12,depth=2,heads=3,head=5,mlp=9,pool=cls,pos=learned", 3, 8, 12, "csr", SparseWeightFormat.SparseConstant, 17 },
        { "vit:patch=4,dim=16,depth=2,heads=2,mlp=13,pool=cls,norm=pooled", 1, 8, 8, "masked", SparseWeightFormat.SparseInitializer, 17 },
        { "vit:patch=4,dim=12,depth=1,heads=3,mlp=11,pos=learned,norm=pooled", 2, 12, 8, "topkast", SparseWeightFormat.SparseConstant, 17 },
        { "vit:patch=4,dim=16,depth=2,heads=4,head=3,mlp=20", 1, 8, 8, "csr", SparseWeightFormat.Dense, 17 },
        { "vit:patch=4,dim=8,depth=2,heads=1,mlp=5,pool=cls", 3, 8, 8, "dense", SparseWeightFormat.Dense, 18 },
        { "vit:patch=4,dim=12,depth=1,heads=2,head=7,mlp=9", 1, 8, 8, "csr", SparseWeightFormat.SparseInitializer, 18 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void VitMatchesOnnxRuntime(string spec, int channels, int height, int width, string kind, SparseWeightFormat format, int opset)
    {
        var model = VitModels.Build(spec, channels, height, width, kind, seed: 3);
        VitModels.Perturb(model, new Rng(4));
        var r = OrtComparison.RunRandom(model, [channels, height, width], batch: 6, new OnnxExportOptions { SparseWeights = format, Opset = opset }, new Rng(5));
        output.WriteLine($"{spec} {channels}×{height}×{width} {kind} {format} opset {opset}: max |Δlogit| {r.MaxAbsDiff:E2} (logits up to {r.MaxAbsLogit:F2}), {r.Disagreements} argmax disagreements of {r.Samples}");
        Assert.True(r.MaxAbsLogit > 0.1, "the logits are all about zero, so the comparison would say little");
        Assert.True(r.MaxAbsDiff <= 1e-4 * Math.Max(1, r.MaxAbsLogit), $"max |logit difference| {r.MaxAbsDiff:E2} > 1e-4 of the largest logit {r.MaxAbsLogit:F2}");
        Assert.Equal(0, r.Disagreements);
    }

    [Theory]
    [InlineData("dense")]
    [InlineData("csr")]
    public void TrainedDigitsVitMatchesOnnxRuntimeOnTheTestSplit(string kind)
    {
        var splits = Sprout.Data.DatasetRegistry.Load("digits", new Sprout.Data.DataOptions());
        var model = VitModels.Build("vit:patch=4,dim=16,depth=1,heads=2,mlp=32", 1, 8, 8, kind, seed: 6, classes: 10);
        OrtComparison.Train(model, splits.Train, splits.Test, epochs: 3);
        var r = OrtComparison.Run(model, splits.Test, new OnnxExportOptions { SparseWeights = SparseWeightFormat.SparseConstant });
        output.WriteLine($"digits vit {kind}: max |Δlogit| {r.MaxAbsDiff:E2}, accuracy Sprout {r.SproutAccuracy:P2} ORT {r.OrtAccuracy:P2}, {r.Disagreements} argmax disagreements of {r.Samples}");
        Assert.Equal(splits.Test.Count, r.Samples);
        Assert.True(r.MaxAbsDiff <= 1e-4, $"max |logit difference| {r.MaxAbsDiff:E2} > 1e-4");
        Assert.True(r.SproutAccuracy > 0.3, $"the model did not train ({r.SproutAccuracy:P1}), so the comparison would say little");
        Assert.Equal(r.SproutAccuracy, r.OrtAccuracy, 1e-4);
    }
}

/// <summary>Small SimpleVits for the export tests.</summary>
internal static class VitModels
{
    /// <summary>A ViT from <paramref name="spec"/> whose projections are dense, CSR, masked or Top-KAST at <paramref name="density"/>.</summary>
    public static SimpleVit Build(string spec, int channels, int height, int width, string kind, ulong seed, int classes = 7, double density = 0.3)
    {
        var config = VitSpec.Parse(spec, channels, height, width, classes);
        if (kind == "dense") return new SimpleVit(config, new DenseLayerFactory(new Rng(seed)), new Rng(seed + 1));
        var shapes = RecordingLayerFactory.Record(f => new SimpleVit(config, f, new Rng(seed + 1)));
        var plan = new DensityPlan(shapes, shapes.Select(_ => density).ToArray());
        ILayerFactory factory = kind switch
        {
            "csr" => new SparseLayerFactory(plan, new Rng(seed), SparseLayerKind.Csr),
            "masked" => new SparseLayerFactory(plan, new Rng(seed), SparseLayerKind.Masked),
            "topkast" => new TopKastLayerFactory(plan, new Rng(seed), new TopKastOptions(BackwardExtra: 0.1)),
            _ => throw new ArgumentException($"unknown layer kind {kind}", nameof(kind)),
        };
        return new SimpleVit(config, factory, new Rng(seed + 1));
    }

    /// <summary>Fresh LayerNorms are γ = 1, β = 0 and the token and positions are N(0, 0.02²): give every term weight.</summary>
    public static void Perturb(SimpleVit model, Rng rng)
    {
        foreach (var m in model.Modules())
            switch (m)
            {
                case LayerNorm ln:
                    rng.FillUniform(ln.Weight.Data, 0.5f, 1.5f);
                    rng.FillNormal(ln.Bias.Data, 0f, 0.2f);
                    break;
                case Linear { Bias: not null } l: rng.FillNormal(l.Bias.Data, 0f, 0.1f); break;
                case SparseLinear { Bias: not null } s: rng.FillNormal(s.Bias.Data, 0f, 0.1f); break;
                case MaskedLinear { Bias: not null } k: rng.FillNormal(k.Bias.Data, 0f, 0.1f); break;
                case TopKastLinear { Bias: not null } t: rng.FillNormal(t.Bias.Data, 0f, 0.1f); break;
            }
        if (model.ClassToken is not null) rng.FillNormal(model.ClassToken.Data, 0f, 1f);
        if (model.LearnedPositions is not null) rng.FillNormal(model.LearnedPositions.Data, 0f, 0.5f);
    }
}
