// A ViT whose block projections are always-sparse CSR layers (SparseLinear at 30% density, through a tests-only
// factory): token rows [B·N, D] reach each layer as an ordinary batch of B·N rows, the model trains, only the live
// connections are parameters, and a steady-state step allocates nothing. The MLP keeps its hidden activations
// feature-major between two CSR projections, and so does attention's qkv, with the same results as the sample-major
// round trip.
using Sprout.Core;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Vit;

public sealed class SparseVitTests
{
    private sealed class BlockSparseFactory(Rng rng, double density) : ILayerFactory
    {
        public Module Linear(string path, int inFeatures, int outFeatures, bool bias = true) =>
            path.StartsWith("blocks.", StringComparison.Ordinal)
                ? new SparseLinear(inFeatures, outFeatures, density, rng, bias)
                : new Linear(inFeatures, outFeatures, rng, bias);

        public Module Conv2d(string path, ConvShape shape, bool bias = false, ConvInit init = ConvInit.HeNormal) => throw new NotSupportedException();
    }

    private static readonly VitConfig Config = new(Channels: 3, Height: 8, Width: 12, Classes: 5, Patch: 4, Dim: 16, Depth: 2, Heads: 2, HeadDim: 8, MlpDim: 32);

    [Fact]
    public void TrainsWithCsrProjectionsHoldingOnlyLiveWeights()
    {
        var model = new SimpleVit(Config, new BlockSparseFactory(new Rng(1), 0.3), new Rng(2));
        var sparse = model.Modules().OfType<SparseLinear>().ToList();
        Assert.Equal(8, sparse.Count);
        Assert.True(model.Parameters().Sum(p => (long)p.Size) < Config.ParameterCount() * 0.6);
        var images = GradCheck.RandomTensor(3, 16, 3 * 8 * 12);
        int[] labels = Enumerable.Range(0, 16).Select(i => i * 3 % 5).ToArray();
        var optimizer = new AdamW(model.NamedParameters(), learningRate: 3e-3f, weightDecay: 0.05f);
        var tape = new Tape();
        float first = 0, last = 0;
        void Step(int step)
        {
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(images), labels, 16);
            tape.Backward(loss);
            if (step == 0) first = loss[0];
            last = loss[0];
            optimizer.Step();
            optimizer.ZeroGrad();
            tape.Reset();
        }
        for (int s = 0; s < 30; s++) Step(s);
        Assert.True(last < 0.5f * first, $"loss {first} → {last} after 30 AdamW steps");
        Assert.Equal(0, Allocations.OnceSettled(() => Step(1)));
    }

    [Fact]
    public void SparseStepHoldsNoMoreThanTheDenseOneButOneScratch_AndKeepsItsBatchInTheTape()
    {
        const int batch = 16;
        var images = GradCheck.RandomTensor(8, batch, 3 * 8 * 12);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 5).ToArray();
        long Pooled(Module model, Tape tape, bool paused)
        {
            var sparse = model.Modules().OfType<SparseLinear>().ToList();
            foreach (var layer in sparse) layer.CachePaused = paused;
            for (int s = 0; s < 3; s++)
            {
                Tensor loss;
                using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(images), labels, batch);
                tape.Backward(loss);
                tape.Reset();
                // Kept: every projection keeps its input and output (whose gradient is dZ, or dZ transposed for out and fc2).
                Assert.All(sparse, layer => Assert.Equal(paused ? 0 : 2, layer.KeptTensors));
                if (!paused && sparse.Count > 0) Assert.Equal(batch * Config.Tokens, sparse[0].CachedBatch);
                foreach (var layer in sparse) layer.ReleaseBatch();
                Assert.Equal(0, tape.KeptCount);
            }
            return tape.PooledFloats;
        }
        long dense = Pooled(new SimpleVit(Config, new DenseLayerFactory(new Rng(1)), new Rng(2)), new Tape(), paused: false);
        var sparseModel = new SimpleVit(Config, new BlockSparseFactory(new Rng(1), 0.3), new Rng(2));
        var sparseTape = new Tape();
        long kept = Pooled(sparseModel, sparseTape, paused: false), paused = Pooled(sparseModel, sparseTape, paused: true);
        Assert.Equal(kept, paused); // keeping a batch adds no buffer
        // One [B·N × dim] scratch, which every feature-major LayerNorm's backward and every batch-major-output projection rent
        // and hand back, is all the sparse pool adds; the layers hold no buffers of their own.
        Assert.InRange(kept, 0, dense + (long)Config.Dim * batch * Config.Tokens);
    }

    [Fact]
    public void SparseMlpHiddenLayerStaysFeatureMajorWithUnchangedResults()
    {
        var mlp = new VitMlp("blocks.0.mlp", Config, new BlockSparseFactory(new Rng(4), 0.5));
        var fc1 = mlp.Modules().OfType<SparseLinear>().First();
        Assert.Equal(Layout.FeatureMajor, fc1.Options.Output);
        var x = GradCheck.RandomTensor(5, 2 * 6, Config.Dim);
        x.RequiresGrad = true;
        (float[] Y, float[] Dx, float[] DValues) Run()
        {
            x.ZeroGrad();
            foreach (var p in mlp.Parameters()) p.ZeroGrad();
            var tape = new Tape();
            Tensor y, loss;
            using (tape.Record()) loss = GradCheck.WeightedSum(y = mlp.Forward(x));
            Assert.Equal(Layout.BatchMajor, y.Layout);
            tape.Backward(loss);
            var result = (y.ToArray(), x.Grad.ToArray(), fc1.Values.Grad.ToArray());
            tape.Reset();
            return result;
        }
        var featureMajor = Run();
        Assert.Contains(featureMajor.Dx, g => g != 0);
        Assert.Contains(featureMajor.DValues, g => g != 0);
        fc1.Options = fc1.Options with { Output = Layout.BatchMajor };
        var sampleMajor = Run();
        Approx.Equal(sampleMajor.Y, featureMajor.Y, 1e-6f, 1e-5f, "output");
        Approx.Equal(sampleMajor.Dx, featureMajor.Dx, 1e-6f, 1e-5f, "input gradient");
        Approx.Equal(sampleMajor.DValues, featureMajor.DValues, 1e-6f, 1e-5f, "fc1 weight gradient");
    }

    [Fact]
    public void SparseAttentionReadsFeatureMajorQkvWithUnchangedResults()
    {
        var attention = new VitAttention("blocks.0.attn", Config, new BlockSparseFactory(new Rng(6), 0.5));
        var qkv = attention.Modules().OfType<SparseLinear>().First();
        Assert.Equal(Layout.FeatureMajor, qkv.Options.Output);
        var x = GradCheck.RandomTensor(7, 2 * 6, Config.Dim);
        x.RequiresGrad = true;
        (float[] Y, float[] Dx, float[] DValues) Run()
        {
            x.ZeroGrad();
            foreach (var p in attention.Parameters()) p.ZeroGrad();
            var tape = new Tape();
            Tensor y, loss;
            using (tape.Record()) loss = GradCheck.WeightedSum(y = attention.Forward(x));
            Assert.Equal(Layout.BatchMajor, y.Layout);
            tape.Backward(loss);
            var result = (y.ToArray(), x.Grad.ToArray(), qkv.Values.Grad.ToArray());
            tape.Reset();
            return result;
        }
        var featureMajor = Run();
        Assert.Contains(featureMajor.Dx, g => g != 0);
        Assert.Contains(featureMajor.DValues, g => g != 0);
        qkv.Options = qkv.Options with { Output = Layout.BatchMajor };
        var sampleMajor = Run();
        Approx.Equal(sampleMajor.Y, featureMajor.Y, 1e-6f, 1e-5f, "output");
        Approx.Equal(sampleMajor.Dx, featureMajor.Dx, 1e-6f, 1e-5f, "input gradient");
        Approx.Equal(sampleMajor.DValues, featureMajor.DValues, 1e-6f, 1e-5f, "qkv weight gradient");
    }
}
