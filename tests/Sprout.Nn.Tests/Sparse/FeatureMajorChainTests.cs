// Sparse layers chained feature-major with fused ReLU (SparseLinearOptions, input layout read from the tensor,
// SparseModels.FuseSparseChains) must give the same outputs and gradients as the plain path (sample-major in and
// out, separate Relu), pass finite differences in every layout, keep the batch cache equivalent, and allocate nothing per step once warm.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

public class FeatureMajorChainTests
{
    public static TheoryData<bool, bool, bool> Options()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (bool input in new[] { false, true })
            foreach (bool output in new[] { false, true })
                foreach (bool relu in new[] { false, true })
                    data.Add(input, output, relu);
        return data;
    }

    [Theory]
    [MemberData(nameof(Options))]
    public void EveryLayoutPassesFiniteDifferences(bool inputFeatureMajor, bool outputFeatureMajor, bool relu)
    {
        foreach (bool cache in new[] { true, false })
        {
            var layer = new SparseLinear(CsrMatrix.RandomWithDensity(6, 8, 0.4, new Rng(9)), new Rng(10))
            {
                Options = new SparseLinearOptions(outputFeatureMajor ? Layout.FeatureMajor : Layout.BatchMajor, relu ? SparseEpilogue.Relu : SparseEpilogue.None),
                CachesBatch = cache,
            };
            // Central differences are only valid away from ReLU's kink: take the first seed whose pre-activations all stay
            // on their side when an input or weight (all in [-1, 1]) moves by eps.
            const float eps = 2e-3f;
            Tensor x;
            ulong seed = 11;
            do
            {
                x = inputFeatureMajor ? GradCheck.RandomTensor(seed++, 8, 4) : GradCheck.RandomTensor(seed++, 4, 8);
                x.Layout = inputFeatureMajor ? Layout.FeatureMajor : Layout.BatchMajor; // the layer reads it from the tensor
            }
            while (relu && MinAbsPreActivation(layer, x) <= 8 * eps);
            GradCheck.Check(() => GradCheck.WeightedSum(layer.Forward(x)), [x, layer.Values, layer.Bias!], eps, atol: 3e-3f);
        }
    }

    [Theory]
    [InlineData(5, 9, 12, 7, 0.3, true)]
    [InlineData(5, 9, 12, 7, 0.3, false)]
    [InlineData(33, 40, 64, 10, 0.05, true)]
    [InlineData(1, 3, 2, 4, 1.0, false)]
    [InlineData(3, 9, 11, 5, 0.0001, true)] // empty rows: outputs are the bias alone
    public void ChainMatchesPlainLayers(int batch, int inF, int hidden, int outF, double density, bool cache)
    {
        var plain = Chain(inF, hidden, outF, density, fuse: false, cache);
        var fused = Chain(inF, hidden, outF, density, fuse: true, cache);
        Assert.IsType<FusedRelu>(fused.Layers[1]);
        Assert.Equal(plain.NamedParameters().Select(p => p.Name), fused.NamedParameters().Select(p => p.Name));
        var x = GradCheck.RandomTensor(4, batch, inF);
        var a = Run(plain, x);
        var b = Run(fused, x);
        Approx.Equal(a.Y, b.Y, 1e-6f, 1e-5f, "outputs");
        Approx.Equal(a.Dx, b.Dx, 1e-6f, 1e-5f, "input gradient");
        for (int i = 0; i < a.Params.Length; i++) Approx.Equal(a.Params[i], b.Params[i], 1e-6f, 1e-5f, $"gradient of parameter {i}");
        if (!cache) return;
        // Growth criteria read the cached batch: gradients at arbitrary positions agree too.
        foreach (int l in new[] { 0, 2 })
        {
            var p = (SparseLinear)plain.Layers[l];
            var f = (SparseLinear)fused.Layers[l];
            var rng = new Rng(8);
            int k = 40;
            var rows = Enumerable.Range(0, k).Select(_ => rng.NextInt(p.OutFeatures)).ToArray();
            var cols = Enumerable.Range(0, k).Select(_ => rng.NextInt(p.InFeatures)).ToArray();
            var ga = new float[k];
            var gb = new float[k];
            p.GradientsAt(rows, cols, ga);
            f.GradientsAt(rows, cols, gb);
            Approx.Equal(ga, gb, 1e-6f, 1e-5f, $"GradientsAt of layer {l}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReusedTapeGivesTheGradientsOfAFreshOne(bool cache)
    {
        // Pooled tensors come back with stale gradients that are cleared lazily (or overwritten by the sparse op):
        // every step on a reused tape must match the same step on a fresh tape, for the fused and the plain chain.
        foreach (bool fuse in new[] { true, false })
        {
            var reused = Chain(9, 12, 7, 0.3, fuse, cache);
            var fresh = Chain(9, 12, 7, 0.3, fuse, cache);
            var tape = new Tape();
            for (int step = 0; step < 3; step++)
            {
                var x = GradCheck.RandomTensor(20 + (ulong)step, 5, 9);
                var a = Run(reused, x, tape);
                var b = Run(fresh, GradCheck.RandomTensor(20 + (ulong)step, 5, 9));
                Approx.Equal(b.Y, a.Y, 0f, 0f, $"outputs, step {step}, fused {fuse}");
                Approx.Equal(b.Dx, a.Dx, 0f, 0f, $"input gradient, step {step}, fused {fuse}");
                for (int i = 0; i < a.Params.Length; i++) Approx.Equal(b.Params[i], a.Params[i], 0f, 0f, $"gradient {i}, step {step}, fused {fuse}");
            }
        }
    }

    [Fact]
    public void MlpBuilderFusesOnlyBetweenSparseLayers()
    {
        var densities = new[] { 0.1, 0.1, 1.0 };
        var net = SparseModels.Mlp(20, [16, 12], 4, densities, new Rng(1));
        var plain = SparseModels.Mlp(20, [16, 12], 4, densities, new Rng(1), fuseSparseChains: false);
        var first = (SparseLinear)net.Layers[1];
        var second = (SparseLinear)net.Layers[3];
        Assert.Equal(new SparseLinearOptions(Layout.FeatureMajor, SparseEpilogue.Relu), first.Options);
        Assert.Equal(new SparseLinearOptions(Layout.BatchMajor, SparseEpilogue.Relu), second.Options);
        Assert.IsType<Linear>(net.Layers[5]);
        Assert.Equal(plain.SparseLayers().Select(l => l.LayerName), net.SparseLayers().Select(l => l.LayerName));
        var x = GradCheck.RandomTensor(3, 7, 20);
        var a = Run(plain, x);
        var b = Run(net, x);
        Approx.Equal(a.Y, b.Y, 1e-6f, 1e-5f, "MLP outputs");
        for (int i = 0; i < a.Params.Length; i++) Approx.Equal(a.Params[i], b.Params[i], 1e-6f, 1e-5f, $"MLP gradient {i}");
    }

    [Fact]
    public void FeatureMajorInputRejectsSampleMajorShape()
    {
        var layer = new SparseLinear(CsrMatrix.RandomWithDensity(6, 8, 0.4, new Rng(9)), new Rng(10));
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(new Tensor(4, 8) { Layout = Layout.FeatureMajor }));
        Assert.Contains("feature-major", e.Message);
    }

    [Fact]
    public void OutputCarriesTheLayoutItWasWrittenIn()
    {
        var layer = new SparseLinear(CsrMatrix.RandomWithDensity(6, 8, 0.4, new Rng(9)), new Rng(10));
        var tape = new Tape();
        using (tape.Evaluate())
        {
            var batchMajor = layer.Forward(GradCheck.RandomTensor(1, 4, 8));
            Assert.Equal((Layout.BatchMajor, 4, 6), (batchMajor.Layout, batchMajor.Dim(0), batchMajor.Dim(1)));
            layer.Options = new SparseLinearOptions(Layout.FeatureMajor);
            var featureMajor = layer.Forward(GradCheck.RandomTensor(1, 4, 8));
            Assert.Equal((Layout.FeatureMajor, 6, 4), (featureMajor.Layout, featureMajor.Dim(0), featureMajor.Dim(1)));
            // A second sparse layer reads that layout from the tensor: no option says its input is feature-major.
            var next = new SparseLinear(CsrMatrix.RandomWithDensity(3, 6, 0.5, new Rng(11)), new Rng(12));
            var y = next.Forward(featureMajor);
            Assert.Equal((Layout.BatchMajor, 4, 3), (y.Layout, y.Dim(0), y.Dim(1)));
        }
        tape.Reset();
    }

    [Fact]
    public void WithoutCacheNoGradientsAtInactivePositions()
    {
        var layer = new SparseLinear(CsrMatrix.RandomWithDensity(6, 8, 0.4, new Rng(9)), new Rng(10)) { CachesBatch = false };
        var tape = new Tape();
        var x = GradCheck.RandomTensor(1, 4, 8);
        Tensor loss;
        using (tape.Record()) loss = GradCheck.WeightedSum(layer.Forward(x));
        tape.Backward(loss);
        tape.Reset();
        Assert.Equal(0, layer.CachedBatch);
        var e = Assert.Throws<InvalidOperationException>(() => layer.GradientsAt([0], [0], new float[1]));
        Assert.Contains("CachesBatch", e.Message);
    }

    [Fact]
    public void FusedStepAllocatesNothingOnceWarm()
    {
        var net = Chain(30, 64, 10, 0.1, fuse: true, cache: false);
        var x = GradCheck.RandomTensor(2, 16, 30);
        var weights = GradCheck.RandomTensor(3, 16, 10);
        var tape = new Tape();
        void Step()
        {
            Tensor loss;
            using (tape.Record()) loss = Ops.Sum(Ops.Mul(net.Forward(x), weights));
            tape.Backward(loss);
            tape.Reset();
        }
        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static float MinAbsPreActivation(SparseLinear layer, Tensor x)
    {
        var saved = layer.Options;
        layer.Options = saved with { Epilogue = SparseEpilogue.None };
        var tape = new Tape();
        float min;
        using (tape.Evaluate()) min = layer.Forward(x).ToArray().Min(MathF.Abs);
        tape.Reset();
        layer.Options = saved;
        return min;
    }

    private static Sequential Chain(int inF, int hidden, int outF, double density, bool fuse, bool cache)
    {
        Module[] layers =
        [
            new SparseLinear(CsrMatrix.RandomWithDensity(hidden, inF, density, new Rng(1)), new Rng(2)) { CachesBatch = cache },
            new Relu(),
            new SparseLinear(CsrMatrix.RandomWithDensity(outF, hidden, density, new Rng(3)), new Rng(4)) { CachesBatch = cache },
        ];
        return new Sequential(fuse ? SparseModels.FuseSparseChains(layers) : layers);
    }

    private static (float[] Y, float[] Dx, float[][] Params) Run(Module net, Tensor x, Tape? reuse = null)
    {
        net.ZeroGrad();
        x.RequiresGrad = true;
        x.ZeroGrad();
        var tape = reuse ?? new Tape();
        Tensor output, loss;
        using (tape.Record())
        {
            output = net.Forward(x);
            loss = GradCheck.WeightedSum(output, 5);
        }
        var y = output.ToArray();
        tape.Backward(loss);
        var grads = net.NamedParameters().Select(p => p.Tensor.Grad.ToArray()).ToArray();
        tape.Reset();
        return (y, x.Grad.ToArray(), grads);
    }
}
