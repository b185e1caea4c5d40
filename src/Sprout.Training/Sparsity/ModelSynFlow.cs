// ModelSynFlow: SynFlow (Tanaka et al. 2020) on any model built from a layer factory, through the model's own forward
// and autograd, for architectures that are not a chain of Linear layers (conv nets: BatchNorm, pooling, residual
// adds). As ALGORITHMS.md specifies: every parameter replaced by |θ| (signs restored afterwards), BatchNorm in eval
// mode (its running statistics, not the batch's), an all-ones input, R = Σ outputs, score |θ ⊙ ∂R/∂θ|, 100 rounds
// with global keep d^{k/100}. Differs from the spec in one respect: float32, not float64 (Sprout's engine is
// float32); R must stay finite, which holds for the CIFAR ResNets at He init and is checked every round.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;

namespace Sprout.Training.Sparsity;

/// <summary>Data-free SynFlow masks for the dense weight layers of any model.</summary>
public static class ModelSynFlow
{
    /// <summary>
    /// Global SynFlow masks, one per dense weight layer of <paramref name="dense"/> (DenseWeightLayers order), at final
    /// density <paramref name="density"/> after <paramref name="rounds"/> rounds. The model's parameters and mode are restored.
    /// </summary>
    /// <param name="dense">The dense model.</param>
    /// <param name="inputFeatures">Features of one input sample (C·H·W for a conv net); the input is one all-ones sample.</param>
    /// <param name="density">Kept fraction of the weight layers not in <paramref name="denseLayers"/>.</param>
    /// <param name="rounds">Pruning rounds (100 as published).</param>
    /// <param name="ramp">
    /// Use a positive ramp 1 + i/features instead of all ones: a model that LayerNorms its input patches (a ViT) maps a
    /// constant input to zero, which would give its first layer no score at all.
    /// </param>
    /// <param name="denseLayers">Layers (DenseWeightLayers order) kept whole, outside the budget: a dense first or last layer.</param>
    /// <exception cref="ArgumentException">density ∉ (0, 1], rounds &lt; 1, or R overflows float32.</exception>
    public static CsrMatrix[] Prune(Module dense, int inputFeatures, double density, int rounds = 100, bool ramp = false, IReadOnlySet<int>? denseLayers = null)
    {
        if (!(density is > 0 and <= 1)) throw new ArgumentException($"density must be in (0, 1], was {density}.", nameof(density));
        if (rounds < 1) throw new ArgumentException($"rounds must be ≥ 1, was {rounds}.", nameof(rounds));
        var layers = DenseWeightLayers.Of(dense).Select(l => l.Weight).ToArray();
        var shapes = layers.Select(w => (w.Dim(0), w.Dim(1))).ToArray();
        var parameters = dense.Parameters().ToArray();
        var saved = parameters.Select(p => p.ToArray()).ToArray();
        bool training = dense.Training;
        var abs = layers.Select(w => w.ToArray().Select(MathF.Abs).ToArray()).ToArray();
        var masks = layers.Select(w => Enumerable.Repeat(1f, w.Size).ToArray()).ToArray();
        var scores = layers.Select(w => new float[w.Size]).ToArray();
        var ones = new Tensor(1, inputFeatures);
        ones.Data.Fill(1f);
        if (ramp) for (int i = 0; i < inputFeatures; i++) ones.Data[i] = 1f + (float)i / inputFeatures;
        CsrMatrix[] result = [];
        try
        {
            dense.Eval();
            foreach (var p in parameters) System.Numerics.Tensors.TensorPrimitives.Abs(p.Data, p.Data);
            for (int k = 1; k <= rounds; k++)
            {
                for (int l = 0; l < layers.Length; l++) System.Numerics.Tensors.TensorPrimitives.Multiply(abs[l], masks[l], layers[l].Data);
                dense.ZeroGrad();
                var tape = new Tape();
                Tensor r;
                using (tape.Record()) r = Ops.Sum(dense.Forward(ones));
                if (!float.IsFinite(r.Data[0]))
                    throw new ArgumentException($"SynFlow's R = {r.Data[0]} overflows float32 for this model; use another pruning criterion.", nameof(dense));
                tape.Backward(r);
                for (int l = 0; l < layers.Length; l++)
                {
                    var w = layers[l].Data;
                    var g = layers[l].Grad;
                    for (int i = 0; i < w.Length; i++) scores[l][i] = MathF.Abs(w[i] * g[i]);
                }
                tape.Reset();
                result = MaskSelection.GlobalTopK(scores, shapes, Math.Pow(density, (double)k / rounds), denseLayers);
                for (int l = 0; l < layers.Length; l++)
                {
                    Array.Clear(masks[l]);
                    for (int p = 0; p < result[l].Nnz; p++) masks[l][(int)result[l].LinearIndexOf(p)] = 1f;
                }
            }
        }
        finally
        {
            for (int i = 0; i < parameters.Length; i++) saved[i].CopyTo(parameters[i].Data);
            dense.ZeroGrad();
            if (training) dense.Train();
        }
        return result;
    }
}
