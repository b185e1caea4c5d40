// The ONNX graphs of vision transformers, op by op: one Gemm per projection, one LayerNormalization per LayerNorm, one
// Softmax and one Erf (GELU) per block; every parameter is exported under its checkpoint name with exactly the values
// it stores (nnz for a CSR projection, as a sparse initializer), so the file's size follows the sparsity; and a module
// no mapping handles, or an opset without LayerNormalization, is refused with a one-line message naming the module.
using Google.Protobuf;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;

namespace Sprout.Onnx.Tests;

public class VitExportStructureTests
{
    [Theory]
    [InlineData("vit:patch=4,dim=12,depth=1,heads=3,mlp=9")]
    [InlineData("vit:patch=4,dim=16,depth=2,heads=2,mlp=13,pool=cls,pos=learned,norm=pooled")]
    public void VitGraphHasOneNodePerLayer(string spec)
    {
        var model = VitModels.Build(spec, 1, 8, 8, "dense", seed: 1);
        var graph = OnnxExporter.ToModel(model, [1, 8, 8]).Graph;
        int depth = model.Config.Depth;
        int Count(string op) => graph.Node.Count(n => n.OpType == op);
        Assert.Equal(2 + 4 * depth, Count("Gemm"));
        Assert.Equal(model.Modules().OfType<Linear>().Count(), Count("Gemm"));
        Assert.Equal(3 + 2 * depth, Count("LayerNormalization"));
        Assert.Equal(model.Modules().OfType<LayerNorm>().Count(), Count("LayerNormalization"));
        Assert.Equal(depth, Count("Softmax"));
        Assert.Equal(depth, Count("Erf"));
        Assert.Equal(2 * depth, Count("MatMul"));
        Assert.Equal(model.Config.Pool == VitPool.ClassToken ? 1 : 0, Count("Expand"));
        Assert.Equal(model.Config.Pool == VitPool.Mean ? 1 : 0, Count("ReduceMean"));
        Assert.Contains(graph.Initializer, t => t.Name == "blocks.0.attn.qkv.weight" && t.Dims.SequenceEqual(new long[] { 3 * model.Config.InnerDim, model.Config.Dim }));
        Assert.Contains(graph.Initializer, t => t.Name == "blocks.0.mlp.norm.weight" && t.Dims.SequenceEqual(new long[] { model.Config.Dim }));
    }

    [Fact]
    public void EveryParameterIsStoredUnderItsNameWithItsStoredValues()
    {
        var model = VitModels.Build("vit:patch=4,dim=16,depth=2,heads=2,mlp=24,pool=cls,pos=learned", 3, 8, 8, "csr", seed: 2);
        var graph = OnnxExporter.ToModel(model, [3, 8, 8], new OnnxExportOptions { SparseWeights = SparseWeightFormat.SparseInitializer }).Graph;
        var stored = graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.Aggregate(1L, (a, d) => a * d));
        foreach (var s in graph.SparseInitializer) stored.Add(s.Values.Name, s.Values.Dims[0]);
        foreach (var (name, tensor) in model.NamedParameters())
        {
            Assert.True(stored.TryGetValue(name, out long count), $"{name} is not in the exported graph");
            Assert.Equal(tensor.Size, count); // a CSR weight's parameter is its nnz values
        }
        var sparse = model.Modules().OfType<SparseLinear>().ToList();
        Assert.Equal(2 + 4 * 2, sparse.Count);
        Assert.Equal(sparse.Count, graph.SparseInitializer.Count);
        Assert.Equal(sparse.Sum(l => (long)l.Topology.Nnz), graph.SparseInitializer.Sum(s => s.Values.Dims[0]));
        Assert.DoesNotContain(graph.Initializer, t => t.Dims.Count == 2 && t.Name.EndsWith(".weight", StringComparison.Ordinal)); // no densified matrix
    }

    [Fact]
    public void SparseConstantFileShrinksByTheInactiveWeights()
    {
        var model = VitModels.Build("vit:patch=4,dim=32,depth=2,heads=2,mlp=64", 1, 8, 8, "csr", seed: 3, classes: 10, density: 0.1);
        long Bytes(SparseWeightFormat f) => OnnxExporter.ToModel(model, [1, 8, 8], new OnnxExportOptions { SparseWeights = f }).ToByteArray().LongLength;
        long dense = Bytes(SparseWeightFormat.Dense), sparse = Bytes(SparseWeightFormat.SparseConstant);
        var layers = model.Modules().OfType<SparseLinear>().ToList();
        // Dense stores rows·cols floats per layer; the sparse constant nnz floats and nnz indices, which protobuf packs as
        // varints of at most 8 bytes here (indices < 2⁵⁶): it saves at least 4·rows·cols − 12·nnz bytes per layer (less a
        // few names per layer) and at most the 4·(rows·cols − nnz) bytes of the dropped zeros.
        long atLeast = layers.Sum(l => 4L * l.Topology.Rows * l.Topology.Cols - 12L * l.Topology.Nnz) - 200L * layers.Count;
        long atMost = layers.Sum(l => 4L * ((long)l.Topology.Rows * l.Topology.Cols - l.Topology.Nnz));
        Assert.True(atLeast > dense / 2, "density 0.1 should make the sparse form well under half the size");
        Assert.InRange(dense - sparse, atLeast, atMost);
    }

    private sealed class Unmapped(int inFeatures, int outFeatures, Rng rng) : Module
    {
        private readonly Linear _inner = new(inFeatures, outFeatures, rng);

        public override Tensor Forward(Tensor input) => _inner.Forward(input);
    }

    private sealed class OneUnmappedLayer(string path, Rng rng) : ILayerFactory
    {
        public Module Linear(string at, int inFeatures, int outFeatures, bool bias = true) =>
            at == path ? new Unmapped(inFeatures, outFeatures, rng) : new Linear(inFeatures, outFeatures, rng, bias);

        public Module Conv2d(string at, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal) => throw new NotSupportedException("no convs in a ViT");
    }

    [Fact]
    public void UnmappedModuleInsideAVitIsAOneLineError()
    {
        var config = VitSpec.Parse("vit:patch=4,dim=8,depth=2,heads=2,mlp=8", 1, 8, 8, 10);
        var model = new SimpleVit(config, new OneUnmappedLayer("blocks.1.mlp.fc1", new Rng(4)), new Rng(5));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModel(model, [1, 8, 8]));
        Assert.Contains("Unmapped at 'blocks.1.mlp.fc1'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void OpsetWithoutLayerNormalizationIsAOneLineError()
    {
        var model = VitModels.Build("vit:patch=4,dim=8,depth=1,heads=1,mlp=8", 1, 8, 8, "dense", seed: 6);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModel(model, [1, 8, 8], new OnnxExportOptions { Opset = 16 }));
        Assert.Contains("'patch_norm' needs ONNX opset 17", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
