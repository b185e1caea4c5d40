// GradualMagnitudePruner: gradual magnitude pruning during training (Zhu & Gupta 2017) in its published form:
// dense Linear and Conv2d weights with a 0/1 mask per layer; at each pruning step of the cubic GmpSchedule every layer keeps its
// round((1 − s_t)·N) largest |w| among the still-unpruned weights; after every optimizer step pruned weights are
// zeroed again. Training cost is therefore dense (FLOPs relative to dense = 1). The layers are every dense Linear and Conv2d
// of the model, found through the module tree (nested blocks included). At the end ToSparse builds the result as a CSR
// model with the same model builder. Not always-sparse by design: GMP starts dense.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Pruning;

namespace Sprout.Training.Sparsity;

/// <summary>GMP on the dense Linear and Conv2d layers of a model.</summary>
public sealed class GradualMagnitudePruner : ICheckpointable
{
    private readonly Tensor[] _layers; // the dense weight matrices [Rows × Cols]
    private readonly float[][] _masks;

    /// <summary>Prunes the dense Linear and Conv2d layers of <paramref name="dense"/> (any model built with a DenseLayerFactory) on <paramref name="schedule"/>.</summary>
    /// <exception cref="ArgumentException">The model has no dense Linear or Conv2d layers.</exception>
    public GradualMagnitudePruner(Module dense, GmpSchedule schedule)
    {
        Model = dense;
        Schedule = schedule;
        _layers = DenseWeightLayers.Of(dense).Select(l => l.Weight).ToArray();
        _masks = _layers.Select(l => Enumerable.Repeat(1f, l.Size).ToArray()).ToArray();
    }

    /// <summary>The model being pruned.</summary>
    public Module Model { get; }

    /// <summary>The sparsity schedule.</summary>
    public GmpSchedule Schedule { get; }

    /// <summary>Current sparsity of layer <paramref name="layer"/>.</summary>
    public double SparsityOf(int layer) => 1 - _masks[layer].Sum() / _masks[layer].Length;

    /// <summary>Call after optimizer step <paramref name="step"/>: prunes on pruning steps, then re-applies the masks.</summary>
    public void AfterOptimizerStep(int step)
    {
        if (Schedule.IsPruningStep(step))
        {
            double s = Schedule.SparsityAt(step);
            for (int l = 0; l < _layers.Length; l++)
            {
                var w = _layers[l].Data;
                var scores = new float[w.Length];
                for (int i = 0; i < w.Length; i++) scores[i] = _masks[l][i] == 0f ? -1f : MathF.Abs(w[i]);
                var keep = MaskSelection.TopK(scores, _layers[l].Dim(0), _layers[l].Dim(1), (long)Math.Round((1 - s) * w.Length));
                Array.Clear(_masks[l]);
                for (int p = 0; p < keep.Nnz; p++) _masks[l][(int)keep.LinearIndexOf(p)] = 1f;
            }
        }
        for (int l = 0; l < _layers.Length; l++)
            System.Numerics.Tensors.TensorPrimitives.Multiply(_layers[l].Data, _masks[l], _layers[l].Data);
    }

    /// <inheritdoc/>
    /// <remarks>Each layer's dense 0/1 mask as "{layer index}.mask" [out × in] (GMP is dense by design).</remarks>
    public void SaveState(StateDict state)
    {
        for (int l = 0; l < _layers.Length; l++) state.Add($"{l}.mask", _masks[l], _layers[l].Dim(0), _layers[l].Dim(1));
    }

    /// <inheritdoc/>
    public void LoadState(StateDict state)
    {
        for (int l = 0; l < _layers.Length; l++)
        {
            var mask = state.Floats($"{l}.mask");
            if (mask.Length != _masks[l].Length) throw new InvalidDataException($"GMP mask {l} has {mask.Length} entries, the layer {_masks[l].Length}.");
            mask.CopyTo(_masks[l], 0);
        }
    }

    /// <summary>The current masks as CSR topologies (in the order of the model's dense layers).</summary>
    public CsrMatrix[] Masks() => _layers.Select((l, i) =>
    {
        var m = _masks[i];
        var rows = new List<int>();
        var cols = new List<int>();
        for (int k = 0; k < m.Length; k++)
            if (m[k] != 0f)
            {
                rows.Add(k / l.Dim(1));
                cols.Add(k % l.Dim(1));
            }
        return CsrMatrix.FromEntries(l.Dim(0), l.Dim(1), rows.ToArray(), cols.ToArray());
    }).ToArray();

    /// <summary>
    /// The pruned model as an always-sparse (or masked) model with the trained weights, built by <paramref name="build"/>
    /// (the builder <see cref="Model"/> came from) with a <see cref="PrunedLayerFactory"/>.
    /// </summary>
    public T ToSparse<T>(Func<ILayerFactory, T> build, SparseLayerKind kind, Rng rng) where T : Module =>
        build(new PrunedLayerFactory(DenseWeightLayers.Pruned(Model, Masks()), rng, kind)).WithSparseLayerNames();
}
