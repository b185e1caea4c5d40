// The ONNX graphs of conv nets, op by op: ResNet-20 and WRN-16-2 have one Conv per conv layer (shortcuts included),
// one BatchNormalization per BatchNorm2d, one Add per residual block; always-sparse conv weights are stored with
// their 4-d shape and nnz values, and initializers carry the checkpoint's parameter names.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Onnx.Protos;
using Sprout.Sparse.Allocation;

namespace Sprout.Onnx.Tests;

public class ConvExportStructureTests
{
    [Theory]
    [InlineData("resnet20", 21, 21, 9)]  // 19 3×3 convs + 2 option-B shortcuts (1×1 conv + BN each); BN after every conv
    [InlineData("wrn-16-2", 16, 13, 6)]  // stem + 2·6 block convs + 3 shortcuts (stage 1 widens 16 → 32); BN: 2 per block + the final one
    public void ConvNetGraphHasOneNodePerLayer(string name, int convs, int batchNorms, int adds)
    {
        var model = ConvModels.Build(name, new DenseLayerFactory(new Rng(1)), 3, 32, 32, 10);
        var graph = OnnxExporter.ToModel(model, [3, 32, 32]).Graph;
        int Count(string op) => graph.Node.Count(n => n.OpType == op);
        Assert.Equal(convs, Count("Conv"));
        Assert.Equal(model.Modules().OfType<BatchNorm2d>().Count(), Count("BatchNormalization"));
        Assert.Equal(batchNorms, Count("BatchNormalization"));
        Assert.Equal(adds, Count("Add"));
        Assert.Equal(1, Count("GlobalAveragePool"));
        Assert.Equal(1, Count("Gemm"));
        Assert.Contains(graph.Initializer, t => t.Name == "layer2.0.conv1.weight" && t.Dims.SequenceEqual(new long[] { name == "resnet20" ? 32 : 64, name == "resnet20" ? 16 : 32, 3, 3 }));
        Assert.Contains(graph.Initializer, t => t.Name.EndsWith("running_var", StringComparison.Ordinal));
    }

    [Fact]
    public void SparseConvWeightIsStoredWithItsKernelShapeAndNnzValues()
    {
        var shapes = RecordingLayerFactory.Record(f => ConvModels.Build("resnet8", f, 3, 8, 8, 10));
        var plan = new DensityPlan(shapes, shapes.Select(_ => 0.1).ToArray());
        var model = ConvModels.Build("resnet8", new SparseLayerFactory(plan, new Rng(2)), 3, 8, 8, 10);
        var graph = OnnxExporter.ToModel(model, [3, 8, 8], new OnnxExportOptions { SparseWeights = SparseWeightFormat.SparseInitializer }).Graph;
        var conv = model.Modules().OfType<SparseConv2d>().First(c => c.Shape.InChannels == 16 && c.Shape.KernelHeight == 3);
        var stored = graph.SparseInitializer.First(t => t.Dims.SequenceEqual(new long[] { 16, 16, 3, 3 }));
        Assert.Equal(conv.Topology.Nnz, stored.Values.Dims[0]);
        Assert.All(stored.Indices.Int64Data, i => Assert.InRange(i, 0, 16 * 16 * 9 - 1));
        Assert.True(stored.Indices.Int64Data.Zip(stored.Indices.Int64Data.Skip(1)).All(p => p.First < p.Second), "indices must ascend");
        Assert.DoesNotContain(graph.Initializer, t => t.Dims.Count == 4); // every conv weight is sparse at density 0.1
    }
}
