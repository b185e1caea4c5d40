// PruneAtInit: static masks chosen before training scored on the model built with dense layers (random, one-shot magnitude,
// SNIP, GraSP, SynFlow). Scoring needs the dense gradient (and for GraSP a Hessian-gradient product) of every
// weight, so it runs once on the model built with a DenseLayerFactory (any architecture: its Linear and Conv2d layers are
// found through the module tree); the result is one CSR topology per layer, which DenseWeightLayers.Pruned turns into a
// PrunedLayerFactory for building the sparse model with the same builder.
// This is O(dense) once at initialisation; training afterwards is always-sparse.
// GraSP's H·g uses a central finite difference, Hg ≈ (∇L(θ + εg) − ∇L(θ − εg)) / 2ε with ε = 1e-3·‖θ‖/‖g‖,
// because Sprout's tape has no double backward (the reference code differentiates g_fixedᵀ·∇L(θ) instead).
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;

namespace Sprout.Training.Sparsity;

/// <summary>Masks from pruning-at-initialisation criteria.</summary>
public static class PruneAtInit
{
    /// <summary>GraSP's softmax temperature (logits are divided by it).</summary>
    public const float GraspTemperature = 200f;

    /// <summary>
    /// Masks for the dense Linear layers of <paramref name="dense"/> (in forward order). Random and Magnitude keep round(d_l·N_l) per layer with
    /// d_l from <paramref name="layerDensities"/>; SNIP, GraSP and SynFlow keep round(d·ΣN_l) globally over the layers not in
    /// <paramref name="denseLayers"/>, d = <paramref name="density"/>.
    /// <paramref name="inputs"/> [count × features] and <paramref name="labels"/> are the scoring batch (unused by Random, Magnitude, SynFlow).
    /// Those listed layers (a dense first or last layer) are kept whole, outside the budget, as the per-layer allocations do.
    /// </summary>
    /// <exception cref="ArgumentException">A data-driven criterion without a batch, or densities that do not match the layers.</exception>
    public static CsrMatrix[] Masks(Module dense, PruningCriterion criterion, double density, IReadOnlyList<double> layerDensities,
        Tensor? inputs, int[]? labels, Rng rng, IReadOnlySet<int>? denseLayers = null)
    {
        var (weights, shapes) = DenseWeightLayers.Weights(dense);
        if (layerDensities.Count != shapes.Length) throw new ArgumentException($"{layerDensities.Count} layer densities for {shapes.Length} layers.", nameof(layerDensities));
        switch (criterion)
        {
            case PruningCriterion.Random:
                return shapes.Select((s, l) => CsrMatrix.RandomWithDensity(s.Rows, s.Cols, layerDensities[l], rng)).ToArray();
            case PruningCriterion.Magnitude:
                return shapes.Select((s, l) => MaskSelection.TopK(weights[l].Select(MathF.Abs).ToArray(), s.Rows, s.Cols,
                    (long)Math.Round(layerDensities[l] * s.Rows * s.Cols))).ToArray();
            case PruningCriterion.SynFlow when dense is ConvNet net:
                // Not a chain of Linear layers: SynFlow through the model's own forward (BN in eval mode).
                return ModelSynFlow.Prune(dense, net.Channels * net.Height * net.Width, density, denseLayers: denseLayers);
            case PruningCriterion.SynFlow when dense is SimpleVit vit:
                // Not a chain either (attention, residual adds, LayerNorm): through the model's own forward, on a positive
                // ramp (LayerNorm maps an all-ones patch to zero, which would leave the patch embedding without a score).
                return ModelSynFlow.Prune(dense, vit.Config.Channels * vit.Config.Height * vit.Config.Width, density, ramp: true, denseLayers: denseLayers);
            case PruningCriterion.SynFlow:
                var biases = DenseWeightLayers.Of(dense).Select(l => l.Bias?.ToArray()).ToArray();
                return SynFlow.Prune(weights, shapes, density, 100, biases, denseLayers);
            case PruningCriterion.Snip:
            {
                var g = Gradients(dense, Require(inputs), Require(labels), 1f);
                var scores = weights.Select((w, l) => w.Select((v, i) => MathF.Abs(v * g[l][i])).ToArray()).ToArray();
                return MaskSelection.GlobalTopK(scores, shapes, density, denseLayers);
            }
            case PruningCriterion.Grasp:
            {
                var hg = HessianGradient(dense, Require(inputs), Require(labels));
                var scores = weights.Select((w, l) => w.Select((v, i) => v * hg[l][i]).ToArray()).ToArray();
                return MaskSelection.GlobalTopK(scores, shapes, density, denseLayers);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown pruning criterion.");
        }
    }

    /// <summary>dL/dW of every linear layer for one batch, with logits divided by <paramref name="temperature"/>.</summary>
    public static float[][] Gradients(Module dense, Tensor inputs, int[] labels, float temperature)
    {
        var linears = DenseWeightLayers.Of(dense).Select(l => l.Weight).ToArray();
        dense.ZeroGrad();
        var tape = new Tape();
        int count = inputs.Dim(0);
        Tensor loss;
        using (tape.Record())
        {
            var logits = dense.Forward(inputs);
            if (temperature != 1f) logits = Ops.Scale(logits, 1f / temperature);
            loss = Functional.CrossEntropy(logits, labels, count);
        }
        tape.Backward(loss);
        var g = linears.Select(l => l.Grad.ToArray()).ToArray();
        dense.ZeroGrad();
        tape.Reset();
        return g;
    }

    /// <summary>H·g per linear layer by central finite differences at temperature 200 (see the file header).</summary>
    public static float[][] HessianGradient(Module dense, Tensor inputs, int[] labels)
    {
        var linears = DenseWeightLayers.Of(dense).Select(l => l.Weight).ToArray();
        var g = Gradients(dense, inputs, labels, GraspTemperature);
        double thetaNorm = Math.Sqrt(linears.Sum(l => l.ToArray().Sum(v => (double)v * v)));
        double gNorm = Math.Sqrt(g.Sum(a => a.Sum(v => (double)v * v)));
        if (gNorm == 0) return g; // flat loss: Hg = 0 direction, every score 0
        float eps = (float)(1e-3 * thetaNorm / gNorm);
        var original = linears.Select(l => l.ToArray()).ToArray();
        void Shift(float sign)
        {
            for (int l = 0; l < linears.Length; l++)
            {
                var w = linears[l].Data;
                for (int i = 0; i < w.Length; i++) w[i] = original[l][i] + sign * eps * g[l][i];
            }
        }
        Shift(1f);
        var plus = Gradients(dense, inputs, labels, GraspTemperature);
        Shift(-1f);
        var minus = Gradients(dense, inputs, labels, GraspTemperature);
        for (int l = 0; l < linears.Length; l++) original[l].CopyTo(linears[l].Data);
        return plus.Select((p, l) => p.Select((v, i) => (v - minus[l][i]) / (2 * eps)).ToArray()).ToArray();
    }

    private static T Require<T>(T? value) where T : class =>
        value ?? throw new ArgumentException("SNIP and GraSP score on a data batch: pass the batch's inputs and labels.");
}
