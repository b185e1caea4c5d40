// FLOP counting on a ViT: its Linear layers run on N token rows per image (the model says how many, IRowsPerSample)
// and its attention products are counted dense. The dense count must be three times VitConfig.ForwardMacsPerImage()
// (forward, input gradient, weight gradient), and an always-sparse ViT counts 3·nnz per row for its CSR layers and
// the same dense attention.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse.Allocation;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class VitFlopCounterTests
{
    public static TheoryData<VitPool> Pools() => new() { VitPool.Mean, VitPool.ClassToken };

    private static VitConfig Config(VitPool pool) =>
        new(Channels: 3, Height: 8, Width: 12, Classes: 5, Patch: 4, Dim: 16, Depth: 2, Heads: 2, HeadDim: 8, MlpDim: 32) { Pool = pool };

    [Theory]
    [MemberData(nameof(Pools))]
    public void DenseViTCountsThreeTimesTheForwardMacsOfItsConfig(VitPool pool)
    {
        var config = Config(pool);
        var flops = new FlopCounter(new SimpleVit(config, new DenseLayerFactory(new Rng(1)), new Rng(2)));
        var (projections, attention) = config.ForwardMacsPerImage();
        Assert.Equal(3 * (projections + attention), flops.DenseMacsPerSample);
        flops.AddStep(7);
        Assert.Equal(7.0 * 3 * (projections + attention), flops.DenseMacs);
        Assert.Equal(1.0, flops.RelativeToDense);
    }

    [Fact]
    public void IssuesSmallVitCostsItsDocumentedForwardMacs()
    {
        // vit:patch=4,dim=128,depth=6,heads=4,mlp=256 on CIFAR-10: 0.101 + 0.013 GFLOP (2 per multiply-add) per image forward (docs/vit.md).
        var config = VitSpec.Parse("vit:patch=4,dim=128,depth=6,heads=4,mlp=256", 3, 32, 32, 10);
        var flops = new FlopCounter(new SimpleVit(config, new DenseLayerFactory(new Rng(3)), new Rng(2)));
        var (projections, attention) = config.ForwardMacsPerImage();
        Assert.Equal(3 * (projections + attention), flops.DenseMacsPerSample);
        Assert.InRange(2.0 * flops.DenseMacsPerSample / 3 / 1e9, 0.113, 0.115);
    }

    [Fact]
    public void SparseViTCountsNnzPerTokenRowAndDenseAttention()
    {
        var config = Config(VitPool.Mean);
        var shapes = RecordingLayerFactory.Record(f => new SimpleVit(config, f, new Rng(2)));
        var plan = new DensityPlan(shapes, shapes.Select(s => s.Name == "embed" ? 1.0 : 0.25).ToArray());
        var model = new SimpleVit(config, new SparseLayerFactory(plan, new Rng(1), SparseLayerKind.Csr), new Rng(2));
        var flops = new FlopCounter(model);
        var (_, attention) = config.ForwardMacsPerImage();
        long expected = 3 * attention;
        foreach (var (path, module) in model.NamedModules())
        {
            if (module is not IDescribedLayer layer) continue;
            var d = layer.Describe();
            long rows = path == "head" ? 1 : path == "embed" ? config.Patches : config.Tokens;
            long live = d.Kind == "csr" ? d.Nnz : (long)d.Rows * d.Cols;
            expected += 3 * live * rows;
        }
        flops.AddStep(4);
        Assert.Equal(4.0 * expected, flops.ExecutedMacs);
        Assert.InRange(flops.RelativeToDense, 0.3, 0.9); // dense attention and embedding keep it above the 25% of the blocks
    }
}
