// MaskedLinear: dense weights times a 0/1 mask, the way published sparse-training code simulates sparsity.
// It exists for the methods whose published form needs dense state (sparse momentum, Top-KAST's reservoir,
// Spartan) and as the reference that SparseLinear is checked against. The mask is held twice, as a dense 0/1
// tensor for the elementwise products and as CSR structure for the topology mechanism; Rewire keeps them in sync.
using Sprout.Core;
using Sprout.Sparse;

namespace Sprout.Nn;

/// <summary>y = x·(W ⊙ M)ᵀ + b with dense W [out × in]. Implements <see cref="ISparseLayer"/>.</summary>
public sealed class MaskedLinear : Module, ISparseLayer, ICheckpointable, ICountsMultiplyAdds, IDescribedLayer
{
    private readonly Tensor _denseGradient;
    private readonly GrownReset _grownReset = new();
    private int _cachedBatch;

    /// <summary>A layer with a uniformly random mask of the given density.</summary>
    public MaskedLinear(int inFeatures, int outFeatures, double density, Rng rng, bool bias = true, SparseInitMode init = SparseInitMode.FanInAware)
        : this(CsrMatrix.RandomWithDensity(outFeatures, inFeatures, density is > 0 and <= 1 ? density
            : throw new ArgumentOutOfRangeException(nameof(density), density, "Density (the kept fraction) must be in (0, 1]."), rng), rng, bias, init) { }

    /// <summary>A layer whose mask is the given topology [out × in]; weights are initialized at the active entries.</summary>
    public MaskedLinear(CsrMatrix topology, Rng rng, bool bias = true, SparseInitMode init = SparseInitMode.FanInAware)
        : this(topology, rng, bias, init, gain: 1f) { }

    /// <summary>As the public constructor, with the init's gain (MaskedConv2d: √2, He's init for ReLU conv nets).</summary>
    internal MaskedLinear(CsrMatrix topology, Rng rng, bool bias, SparseInitMode init, float gain)
    {
        Topology = topology;
        Weight = RegisterParameter("weight", new Tensor(topology.Rows, topology.Cols));
        Mask = new Tensor(topology.Rows, topology.Cols);
        _denseGradient = new Tensor(topology.Rows, topology.Cols);
        SparseInit.Fill(topology, topology.Values.AsSpan(0, topology.Nnz), rng, init, gain); // Values is Capacity long once nnz has moved
        ScatterFromTopology(topology.Values.AsSpan(0, topology.Nnz));
        if (bias)
        {
            Bias = RegisterParameter("bias", new Tensor(topology.Rows));
            SparseInit.FillBias(topology, Bias.Data, rng, init);
        }
    }

    /// <inheritdoc/>
    public string LayerName { get; set; } = "";

    /// <inheritdoc/>
    public CsrMatrix Topology { get; private set; }

    /// <summary>Dense weight [out × in]; zero wherever the mask is zero.</summary>
    public Tensor Weight { get; }

    /// <summary>Dense 0/1 mask [out × in], in sync with <see cref="Topology"/>.</summary>
    public Tensor Mask { get; }

    /// <summary>Bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>
    /// When true (default) W's gradient is masked, so inactive weights get no optimizer state. Sparse momentum sets it
    /// false: the published method grows by the momentum of inactive weights, which needs their unmasked gradients.
    /// </summary>
    public bool MaskGradients { get; set; } = true;

    /// <summary>The full dense dL/dW of the last batch [out × in].</summary>
    public Tensor DenseGradient => _denseGradient;

    /// <inheritdoc/>
    public Tensor WeightParameter => Weight;

    /// <inheritdoc/>
    public bool IsAlwaysSparse => false;

    /// <inheritdoc/>
    public int CachedBatch => _cachedBatch;

    /// <inheritdoc/>
    public long DenseMacsPerSample => 3 * Topology.Positions;

    /// <inheritdoc/>
    /// <remarks>The dense GEMMs run whatever the mask, so the mask saves nothing.</remarks>
    public long ExecutedMacsPerSample => DenseMacsPerSample;

    /// <inheritdoc/>
    public LayerDescription Describe() =>
        new("masked", LayerGeometry.Linear(Topology.Rows, Topology.Cols), Topology.Nnz, DenseMacsPerSample, ExecutedMacsPerSample);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var y = MaskedLinearOp.Forward(input, Weight, Mask, Bias, _denseGradient, MaskGradients);
        if (y.RequiresGrad) _cachedBatch = input.Size / Weight.Dim(1);
        return y;
    }

    /// <inheritdoc/>
    public void ReadActiveWeights(Span<float> dst) => Gather(Weight.Data, dst);

    /// <inheritdoc/>
    public void ReadActiveGradients(Span<float> dst) => Gather(Weight.Grad, dst);

    /// <inheritdoc/>
    public bool ReadActiveState(IOptimizerState optimizer, string slot, Span<float> dst)
    {
        var state = optimizer.FindState(Weight, slot);
        if (state is null) return false;
        Gather(state.Data, dst);
        return true;
    }

    /// <inheritdoc/>
    public void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<float> dst)
    {
        int n = Weight.Dim(1);
        var g = _denseGradient.Data;
        for (int i = 0; i < rows.Length; i++) dst[i] = g[rows[i] * n + cols[i]];
    }

    /// <inheritdoc/>
    public void DenseGradientRows(int r0, int r1, Span<float> dst)
    {
        int n = Weight.Dim(1);
        _denseGradient.Data[(r0 * n)..(r1 * n)].CopyTo(dst);
    }

    /// <inheritdoc/>
    public TopologyChange Rewire(ReadOnlySpan<int> drop, ReadOnlySpan<int> growRows, ReadOnlySpan<int> growCols,
        IOptimizerState? optimizer, float growValue = 0f, bool resetGrownState = true)
    {
        int n = Weight.Dim(1);
        var m = Mask.Data;
        var w = Weight.Data;
        // Clear the mask at dropped entries first; a position grown again in the same call finds its mask at 0
        // but its weight intact, and keeps that weight (RigL semantics), so weights are zeroed only afterwards.
        foreach (int p in drop) m[Topology.RowOf(p) * n + Topology.ColumnIndices[p]] = 0f;
        var change = Topology.ChangeTopology(drop, growRows, growCols);
        var grown = change.GrownIndices;
        var rowsOfGrown = _grownReset.Prepare(grown.Length);
        for (int j = 0; j < grown.Length; j++)
        {
            int p = grown[j];
            int idx = Topology.RowOf(p) * n + Topology.ColumnIndices[p];
            rowsOfGrown[j] = idx;
            m[idx] = 1f;
            w[idx] = growValue;
        }
        for (int i = 0; i < growRows.Length; i++) m[growRows[i] * n + growCols[i]] = 1f; // regrown entries stay active
        ApplyMask();
        if (resetGrownState && optimizer is not null) optimizer.RemapState(Weight, _grownReset);
        return change;
    }

    /// <summary>
    /// Replaces the mask with <paramref name="mask"/> [Rows × Cols] (0/1), whose number of ones may differ from
    /// Nnz: the topology is rebuilt (a new CsrMatrix, so a per-layer nnz change is possible; used by sparse momentum's
    /// redistribution), inactive weights are zeroed, and optimizer state is left as it is (dense, like the weights).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong length, or an entry that is not 0 or 1.</exception>
    public void SetMask(ReadOnlySpan<float> mask)
    {
        int rows = Weight.Dim(0), cols = Weight.Dim(1);
        if (mask.Length != rows * cols) throw new ArgumentException($"The mask needs {rows * cols} entries ({rows}×{cols}), got {mask.Length}.", nameof(mask));
        var r = new List<int>();
        var c = new List<int>();
        for (int i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 1f) { r.Add(i / cols); c.Add(i % cols); }
            else if (mask[i] != 0f) throw new ArgumentException($"Mask entry {i} is {mask[i]}; masks are 0/1.", nameof(mask));
        }
        mask.CopyTo(Mask.Data);
        ApplyMask();
        var values = new float[r.Count];
        for (int k = 0; k < values.Length; k++) values[k] = Weight[r[k] * cols + c[k]];
        Topology = CsrMatrix.FromEntries(rows, cols, r.ToArray(), c.ToArray(), values);
    }

    /// <inheritdoc/>
    public void ApplyMask() => System.Numerics.Tensors.TensorPrimitives.Multiply(Weight.Data, Mask.Data, Weight.Data);

    /// <inheritdoc/>
    /// <remarks>The mask as CSR structure ("weight.indptr"/"weight.indices"/"weight.shape"); the dense weight is the parameter.</remarks>
    public void SaveState(StateDict state) => Topology.SaveStructure(state, "weight");

    /// <inheritdoc/>
    /// <remarks>The mask's nnz is the file's (sparse momentum redistributes it across layers). A file without a structure keeps the mask.</remarks>
    public void LoadState(StateDict state)
    {
        if (!state.Contains("weight.indptr")) return;
        int rows = Weight.Dim(0), cols = Weight.Dim(1);
        var (indptr, indices) = CsrMatrix.ReadStructure(state, "weight", rows, cols);
        var mask = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int p = indptr[r]; p < indptr[r + 1]; p++) mask[r * cols + indices[p]] = 1f;
        SetMask(mask);
    }

    /// <inheritdoc/>
    public override string ToString() => $"MaskedLinear({Weight.Dim(1)} → {Weight.Dim(0)}, density {Topology.Density:0.####})";

    private void ScatterFromTopology(ReadOnlySpan<float> values)
    {
        int n = Weight.Dim(1);
        var rp = Topology.RowPointers;
        var ci = Topology.ColumnIndices;
        for (int r = 0; r < Topology.Rows; r++)
            for (int p = rp[r]; p < rp[r + 1]; p++)
            {
                Weight[r * n + ci[p]] = values[p];
                Mask[r * n + ci[p]] = 1f;
            }
    }

    private void Gather(ReadOnlySpan<float> dense, Span<float> dst)
    {
        int n = Weight.Dim(1);
        var rp = Topology.RowPointers;
        var ci = Topology.ColumnIndices;
        for (int r = 0; r < Topology.Rows; r++)
            for (int p = rp[r]; p < rp[r + 1]; p++) dst[p] = dense[r * n + ci[p]];
    }

    /// <summary>Zeroes dense optimizer state at the newly grown positions (RigL resets their slots).</summary>
    private sealed class GrownReset : IElementRemap
    {
        private int[] _positions = [];
        private int _count;

        public Span<int> Prepare(int count)
        {
            if (_positions.Length < count) _positions = new int[count];
            _count = count;
            return _positions.AsSpan(0, count);
        }

        public void Remap(Span<float> state)
        {
            for (int i = 0; i < _count; i++) state[_positions[i]] = 0f;
        }
    }
}
