// SparseLinear (CSR, always-sparse), MaskedLinear (dense ⊙ mask) and Linear (dense, weights zeroed off the mask)
// must compute the same function and the same gradients: this is what lets any method run on either layer.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.TestSupport;

namespace Sprout.Nn.Tests.Sparse;

public class SparseLayerEquivalenceTests
{
    [Theory]
    [InlineData(1, 1, 1, 1.0)]
    [InlineData(5, 7, 3, 0.3)]
    [InlineData(17, 33, 20, 0.1)]
    [InlineData(64, 40, 30, 0.05)]
    [InlineData(3, 9, 11, 0.0001)] // a few, or no, active entries: empty rows everywhere
    public void SameOutputsAndGradients(int batch, int inF, int outF, double density)
    {
        var topo = CsrMatrix.RandomWithDensity(outF, inF, density, new Rng(1));
        var sparse = new SparseLinear(topo.Clone(), new Rng(2));
        var masked = new MaskedLinear(topo.Clone(), new Rng(2));
        var dense = new Linear(inF, outF, new Rng(3));
        var denseW = masked.Weight.ToArray();
        denseW.CopyTo(dense.Weight.Data);
        masked.Bias!.Data.CopyTo(dense.Bias!.Data);
        Approx.Equal(sparse.Bias!.ToArray(), masked.Bias.ToArray(), 0, 0, "same init");

        var x = GradCheck.RandomTensor(4, batch, inF);
        var results = new List<(float[] Y, float[] Dx, float[] Dw, float[] Db)>();
        var layers = new (Module Layer, Func<float[]> DenseWeightGrad, Tensor Bias)[]
        {
            (sparse, () => GatherDenseGradient(sparse, inF), sparse.Bias!),
            (masked, () => GatherDenseGradient(masked, inF), masked.Bias),
            (dense, () => dense.Weight.Grad.ToArray(), dense.Bias!),
        };
        foreach (var (layer, weightGrad, bias) in layers)
        {
            var tape = new Tape();
            x.RequiresGrad = true;
            x.ZeroGrad();
            Tensor y, loss;
            using (tape.Record())
            {
                y = layer.Forward(x);
                loss = GradCheck.WeightedSum(y, 5);
            }
            tape.Backward(loss);
            results.Add((y.ToArray(), x.Grad.ToArray(), MaskWith(weightGrad(), masked.Mask.ToArray()), bias.Grad.ToArray()));
            tape.Reset();
        }
        for (int i = 1; i < 3; i++)
        {
            Approx.Equal(results[0].Y, results[i].Y, 1e-5f, 1e-4f, $"y of layer {i}");
            Approx.Equal(results[0].Dx, results[i].Dx, 1e-5f, 1e-4f, $"dx of layer {i}");
            Approx.Equal(results[0].Dw, results[i].Dw, 1e-5f, 1e-4f, $"dw of layer {i}");
            Approx.Equal(results[0].Db, results[i].Db, 1e-5f, 1e-4f, $"db of layer {i}");
        }
        // The always-sparse layer's gradients at arbitrary positions equal the dense gradient there.
        CheckGradientsAt(sparse, masked, outF, inF);
    }

    private static float[] GatherDenseGradient(ISparseLayer s, int inF)
    {
        var t = s.Topology;
        var g = new float[t.Nnz];
        s.ReadActiveGradients(g);
        var dense = new float[t.Rows * inF];
        for (int p = 0; p < t.Nnz; p++) dense[t.RowOf(p) * inF + t.ColumnIndices[p]] = g[p];
        return dense;
    }

    private static float[] MaskWith(float[] a, float[] mask) => a.Zip(mask, (v, m) => v * m).ToArray();

    private static void CheckGradientsAt(SparseLinear sparse, MaskedLinear masked, int outF, int inF)
    {
        // The cache survives Tape.Reset; refill both layers' gradient caches with one more pass.
        var x = GradCheck.RandomTensor(6, 3, inF);
        foreach (Module layer in new Module[] { sparse, masked })
        {
            var tape = new Tape();
            Tensor loss;
            using (tape.Record()) loss = GradCheck.WeightedSum(layer.Forward(x), 7);
            tape.Backward(loss);
            tape.Reset();
        }
        var rng = new Rng(8);
        int k = Math.Min(50, outF * inF);
        var rows = new int[k];
        var cols = new int[k];
        for (int i = 0; i < k; i++) (rows[i], cols[i]) = (rng.NextInt(outF), rng.NextInt(inF));
        var a = new float[k];
        var b = new float[k];
        sparse.GradientsAt(rows, cols, a);
        masked.GradientsAt(rows, cols, b);
        Approx.Equal(b, a, 1e-5f, 1e-4f, "GradientsAt");
        var blockA = new float[2 * inF];
        var blockB = new float[2 * inF];
        int r0 = Math.Max(0, outF - 2);
        sparse.DenseGradientRows(r0, outF, blockA.AsSpan(0, (outF - r0) * inF));
        masked.DenseGradientRows(r0, outF, blockB.AsSpan(0, (outF - r0) * inF));
        Approx.Equal(blockB, blockA, 1e-5f, 1e-4f, "DenseGradientRows");
    }

    [Fact]
    public void SparseLinearPassesFiniteDifferences()
    {
        var layer = new SparseLinear(CsrMatrix.RandomWithDensity(6, 8, 0.4, new Rng(9)), new Rng(10));
        var x = GradCheck.RandomTensor(11, 4, 8);
        GradCheck.Check(() => GradCheck.WeightedSum(layer.Forward(x)), [x, layer.Values, layer.Bias!]);
    }

    [Fact]
    public void MaskedLinearPassesFiniteDifferencesOnActiveEntries()
    {
        var layer = new MaskedLinear(CsrMatrix.RandomWithDensity(5, 7, 0.5, new Rng(12)), new Rng(13));
        var x = GradCheck.RandomTensor(14, 3, 7);
        // Masked gradients are zero off the mask while finite differences are not, so check x and bias only and
        // compare W's gradient on the mask through the equivalence test above.
        GradCheck.Check(() => GradCheck.WeightedSum(layer.Forward(x)), [x, layer.Bias!]);
    }

    [Fact]
    public void FanInAwareInitScalesByLiveInputs()
    {
        var topo = CsrMatrix.RandomPerRow(50, 1000, 12, new Rng(15));
        var layer = new SparseLinear(topo, new Rng(16));
        float bound = MathF.Sqrt(3f / 12);
        Assert.All(layer.Values.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(layer.Values.ToArray().Max(MathF.Abs) > 0.8f * bound);
    }
}
