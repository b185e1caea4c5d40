// A ViT whose block projections are always-sparse CSR layers (SparseLinear at 30% density, through a tests-only
// factory): token rows [B·N, D] reach each layer as an ordinary batch of B·N rows, the model trains, only the live
// connections are parameters, and a steady-state step allocates nothing.
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
}
