// One-shot lottery ticket on a ResNet-8: the masks keep round(d_l·N_l) weights per layer, exactly the largest |w| of
// the trained model (checked against a sort, ties to the lower position), with the initial model's values there; the
// same inputs give the same layers; mismatched models or densities are refused.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Sparsity;

public sealed class RewoundMagnitudeTests
{
    private static ConvNet Build(ILayerFactory f, string model = "resnet8") => ConvModels.Build(model, f, 3, 8, 8, 10);

    // "Trained": the initial build with every weight moved by an independent random amount, so the order of |w| differs
    // from the initial one (a mask that scored the initial weights would fail the position check).
    private static ConvNet Trained()
    {
        var model = Build(new DenseLayerFactory(new Rng(1)));
        var rng = new Rng(77);
        foreach (var (_, weight, _) in DenseWeightLayers.Of(model))
            for (int i = 0; i < weight.Size; i++) weight.Data[i] += 0.5f * rng.Normal();
        // A tie, to pin the tie rule: two equal magnitudes in the first layer.
        var first = DenseWeightLayers.Of(model)[0].Weight.Data;
        first[3] = -first[5];
        return model;
    }

    [Fact]
    public void KeepsTheLargestTrainedWeightsAtTheirInitialValues()
    {
        var trained = Trained();
        var initial = Build(new DenseLayerFactory(new Rng(1)));
        var scored = DenseWeightLayers.Of(trained);
        var start = DenseWeightLayers.Of(initial);
        double[] densities = scored.Select((_, l) => l == 0 ? 1.0 : 0.05 + 0.1 * l).ToArray();

        var layers = RewoundMagnitude.Layers(trained, initial, densities);

        Assert.Equal(scored.Length, layers.Count);
        for (int l = 0; l < scored.Length; l++)
        {
            var w = scored[l].Weight.ToArray();
            var topology = layers[scored[l].Path].Topology;
            long expectedNnz = (long)Math.Round(densities[l] * w.Length);
            Assert.Equal(expectedNnz, topology.Nnz);
            // Largest |w| first, the lower position first among equals.
            var expected = Enumerable.Range(0, w.Length).OrderByDescending(i => MathF.Abs(w[i])).ThenBy(i => i).Take((int)expectedNnz).Order().ToArray();
            var kept = Enumerable.Range(0, topology.Nnz).Select(p => (int)topology.LinearIndexOf(p)).Order().ToArray();
            Assert.Equal(expected, kept);
            var theta0 = start[l].Weight.Data;
            for (int p = 0; p < topology.Nnz; p++) Assert.Equal(theta0[(int)topology.LinearIndexOf(p)], topology.Values[p]);
            Assert.Equal(start[l].Bias?.ToArray(), layers[scored[l].Path].Bias);
        }
    }

    [Fact]
    public void BuildsTheSameSparseModelTwice()
    {
        double[] densities = Enumerable.Repeat(0.2, DenseWeightLayers.Of(Trained()).Length).ToArray();
        ConvNet Sparse() => Build(new PrunedLayerFactory(
            RewoundMagnitude.Layers(Trained(), Build(new DenseLayerFactory(new Rng(1))), densities), new Rng(4), SparseLayerKind.Csr));
        var (a, b) = (Sparse().NamedParameters(), Sparse().NamedParameters());
        Assert.Equal(a.Count, b.Count);
        Assert.NotEmpty(Sparse().LayersOf<ISparseLayer>());
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Tensor.ToArray(), b[i].Tensor.ToArray());
        var (ta, tb) = (Sparse().LayersOf<ISparseLayer>(), Sparse().LayersOf<ISparseLayer>());
        for (int i = 0; i < ta.Length; i++) Assert.Equal(ta[i].Layer.Topology.ColumnIndices.ToArray(), tb[i].Layer.Topology.ColumnIndices.ToArray());
    }

    [Fact]
    public void RefusesModelsThatDoNotMatch()
    {
        var trained = Trained();
        int count = DenseWeightLayers.Of(trained).Length;
        var other = ConvModels.Build("resnet8", new DenseLayerFactory(new Rng(1)), 3, 8, 8, 7); // another head
        Assert.Throws<ArgumentException>(() => RewoundMagnitude.Layers(trained, other, Enumerable.Repeat(0.5, count).ToArray()));
        Assert.Throws<ArgumentException>(() => RewoundMagnitude.Layers(trained, Build(new DenseLayerFactory(new Rng(1))), Enumerable.Repeat(0.5, count - 1).ToArray()));
        Assert.Throws<ArgumentException>(() => RewoundMagnitude.Layers(trained, Build(new DenseLayerFactory(new Rng(1))), Enumerable.Repeat(1.5, count).ToArray()));
    }
}
