// FLOP counting on a conv net: each conv layer's multiply-adds are its description's per-position count (3·nnz for
// CSR, 3·Cout·Cin·KH·KW for dense and masked) times the B·OH·OW positions of the input it actually saw.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.TestSupport;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public class ConvFlopCounterTests
{
    [Theory]
    [InlineData(SparseLayerKind.Csr)]
    [InlineData(SparseLayerKind.Masked)]
    public void ConvLayersCountNnzTimesOutputPositions(SparseLayerKind kind)
    {
        var shapes = RecordingLayerFactory.Record(f => ConvModels.Build("resnet8", f, 3, 8, 8, 10));
        var plan = new DensityPlan(shapes, shapes.Select(s => s.Name == "conv1" ? 1.0 : 0.25).ToArray());
        var net = ConvModels.Build("resnet8", new SparseLayerFactory(plan, new Rng(1), kind), 3, 8, 8, 10);
        var flops = new FlopCounter(net);
        const int batch = 3;
        var tape = new Tape();
        using (tape.Evaluate()) net.Forward(GradCheck.RandomTensor(2, batch, 3 * 8 * 8)); // layers learn their input sizes
        tape.Reset();
        flops.AddStep(batch);

        // By hand: stage sizes 8×8 (stem, layer1), 4×4 (layer2), 2×2 (layer3); a stride-2 conv's output is its stage's.
        double executed = 0, dense = 0;
        foreach (var (path, module) in net.NamedModules())
        {
            if (module is not IDescribedLayer layer) continue;
            var d = layer.Describe();
            long positions = d.Geometry.Conv is null ? 1 : path.StartsWith("layer3", StringComparison.Ordinal) ? 4
                : path.StartsWith("layer2", StringComparison.Ordinal) ? 16 : 64;
            long live = d.Kind == "csr" ? d.Nnz : (long)d.Rows * d.Cols; // dense and masked layers run dense kernels
            executed += 3.0 * live * positions * batch;
            dense += 3.0 * d.Rows * d.Cols * positions * batch;
        }
        Assert.Equal(dense, flops.DenseMacs);
        Assert.Equal(executed, flops.ExecutedMacs);
        if (kind == SparseLayerKind.Csr) Assert.InRange(flops.RelativeToDense, 0.25, 0.6); // dense stem, sparse rest
        else Assert.Equal(1.0, flops.RelativeToDense);
    }
}
