// CandidateSampler: GSE's subset S of inactive positions (Heddes et al. 2024, supplement Algorithm 2, steps 3–4).
// Rows are drawn from g = b/Σb and columns from f = a/Σa independently (rank-1 p(j,i) = g_j·f_i), each through an
// alias table built in O(n); active positions are rejected by the CSR row search and duplicates by a hash set.
// Cost per update: O(Rows + Cols + batch·(Rows + Cols)) for the statistics plus O(|S|·log(row length)) for the
// draws. It never enumerates the complement of the active set, except when that complement is no larger than
// the requested subset (then every inactive position is a candidate, as the reference code does for dense layers),
// which is O(Rows·Cols) only for layers whose density is already ≥ 1/(1+γ). Shared by GSE, DST-EE and the
// always-sparse sparse-momentum variant. Not thread-safe.
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

/// <summary>Draws ⌈γ·nnz⌉ distinct inactive positions of a layer from a uniform, GraBo or GraEst distribution.</summary>
public sealed class CandidateSampler
{
    private readonly AliasTable _rowTable = new();
    private readonly AliasTable _colTable = new();
    private readonly HashSet<long> _seen = [];
    private float[] _inputStat = [];
    private float[] _outputStat = [];
    private float[] _signs = [];
    private int[] _rows = [];
    private int[] _cols = [];
    private float[] _gradients = [];
    private int _rowCount, _colCount;

    /// <summary>Creates a sampler.</summary>
    /// <param name="distribution">Uniform (default; the paper's recommendation [2nd]), GraBo or GraEst.</param>
    /// <param name="subsetFactor">γ: the subset has ⌈γ·nnz⌉ positions; 1 in the reference code [R].</param>
    /// <param name="redrawRejected">
    /// True (default): keep drawing until the subset has ⌈γ·nnz⌉ distinct inactive positions (at most
    /// <see cref="MaxDrawFactor"/>·⌈γ·nnz⌉ draws). False: make exactly ⌈γ·nnz⌉ draws and discard active hits and
    /// duplicates, as the reference code does (its effective |S| is then smaller; ALGORITHMS.md §1e).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">γ is not a positive finite number.</exception>
    public CandidateSampler(CandidateDistribution distribution = CandidateDistribution.Uniform, float subsetFactor = 1f, bool redrawRejected = true)
    {
        if (!(subsetFactor > 0f) || float.IsInfinity(subsetFactor))
            throw new ArgumentOutOfRangeException(nameof(subsetFactor), subsetFactor, "The subset factor γ must be a positive number (1 in GSE's CIFAR runs, 2 on ImageNet).");
        Distribution = distribution;
        SubsetFactor = subsetFactor;
        RedrawRejected = redrawRejected;
    }

    /// <summary>Draws give up after this many times the subset size, so that a nearly full layer cannot loop forever.</summary>
    public const int MaxDrawFactor = 32;

    /// <summary>The sampling distribution.</summary>
    public CandidateDistribution Distribution { get; }

    /// <summary>γ.</summary>
    public float SubsetFactor { get; }

    /// <summary>Whether rejected draws are replaced.</summary>
    public bool RedrawRejected { get; }

    /// <summary>Rows of the last subset.</summary>
    public ReadOnlySpan<int> Rows => _rows.AsSpan(0, Count);

    /// <summary>Columns of the last subset.</summary>
    public ReadOnlySpan<int> Cols => _cols.AsSpan(0, Count);

    /// <summary>Size of the last subset.</summary>
    public int Count { get; private set; }

    /// <summary>Target subset size ⌈γ·nnz⌉ (at least 1).</summary>
    public int SubsetSize(int nnz) => Math.Max(1, (int)Math.Min(int.MaxValue, Math.Ceiling((double)SubsetFactor * nnz)));

    /// <summary>
    /// Builds the row and column distributions for <paramref name="layer"/> from its last batch (GraBo, GraEst) or
    /// uniformly. After this, <see cref="Draw"/> samples p(j,i) = g_j·f_i.
    /// </summary>
    /// <exception cref="InvalidOperationException">GraBo/GraEst on a layer that does not implement <see cref="IBatchStatistics"/>.</exception>
    public void Prepare(ISparseLayer layer, Rng rng)
    {
        var topo = layer.Topology;
        _rowCount = topo.Rows;
        _colCount = topo.Cols;
        if (Distribution == CandidateDistribution.Uniform) return;
        if (layer is not IBatchStatistics stats)
            throw new InvalidOperationException($"{Distribution} sampling needs the layer's last batch, which layer '{layer.LayerName}' ({layer.GetType().Name}) does not cache: use SparseLinear/SparseConv2d, or uniform sampling.");
        Buffers.Ensure(ref _inputStat, topo.Cols);
        Buffers.Ensure(ref _outputStat, topo.Rows);
        var signs = Span<float>.Empty;
        if (Distribution == CandidateDistribution.GraEst)
        {
            // One sign per sample, shared by h and δ, so that E[(Σ s h)(Σ s δ)] = Σ h δ (the AMS sketch identity).
            int b = layer.CachedBatch;
            Buffers.Ensure(ref _signs, b);
            signs = _signs.AsSpan(0, b);
            for (int i = 0; i < b; i++) signs[i] = (rng.NextUInt64() & 1) == 0 ? 1f : -1f;
        }
        var a = _inputStat.AsSpan(0, topo.Cols);
        var g = _outputStat.AsSpan(0, topo.Rows);
        stats.BatchStatistics(signs, a, g);
        if (!signs.IsEmpty)
        {
            System.Numerics.Tensors.TensorPrimitives.Abs(a, a);
            System.Numerics.Tensors.TensorPrimitives.Abs(g, g);
        }
        _colTable.Build(a);
        _rowTable.Build(g);
    }

    /// <summary>One draw (row ~ g, column ~ f) from the distributions of the last <see cref="Prepare"/>.</summary>
    public void Draw(Rng rng, out int row, out int col)
    {
        if (Distribution == CandidateDistribution.Uniform)
        {
            row = rng.NextInt(_rowCount);
            col = rng.NextInt(_colCount);
            return;
        }
        row = _rowTable.Sample(rng);
        col = _colTable.Sample(rng);
    }

    /// <summary>
    /// Prepares and draws the subset S of distinct inactive positions of <paramref name="layer"/>; read it from
    /// <see cref="Rows"/>/<see cref="Cols"/>. Returns |S|.
    /// </summary>
    public int Sample(ISparseLayer layer, Rng rng)
    {
        var topo = layer.Topology;
        int target = SubsetSize(topo.Nnz);
        long inactive = topo.Positions - topo.Nnz;
        Count = 0;
        if (inactive <= target) return EnumerateInactive(topo);
        Prepare(layer, rng);
        Buffers.Ensure(ref _rows, target);
        Buffers.Ensure(ref _cols, target);
        _seen.Clear();
        _seen.EnsureCapacity(target);
        long maxDraws = RedrawRejected ? (long)MaxDrawFactor * target : target;
        for (long d = 0; d < maxDraws && Count < target; d++)
        {
            Draw(rng, out int r, out int c);
            if (topo.IsActive(r, c) || !_seen.Add((long)r * topo.Cols + c)) continue;
            _rows[Count] = r;
            _cols[Count] = c;
            Count++;
        }
        return Count;
    }

    /// <summary>
    /// Samples S as <see cref="Sample"/> does, then computes ∂L/∂W at S for the layer's last batch (SDDMM,
    /// O(|S|·batch)) into <see cref="Gradients"/>: the candidate scoring GSE and DST-EE share. Returns |S|.
    /// </summary>
    public int SampleWithGradients(ISparseLayer layer, Rng rng)
    {
        int n = Sample(layer, rng);
        Buffers.Ensure(ref _gradients, n);
        if (n > 0) layer.GradientsAt(Rows, Cols, _gradients.AsSpan(0, n));
        return n;
    }

    /// <summary>∂L/∂W at the last subset, after <see cref="SampleWithGradients"/> (scratch: callers may overwrite it).</summary>
    public Span<float> Gradients => _gradients.AsSpan(0, Count);

    private int EnumerateInactive(CsrMatrix topo)
    {
        int inactive = (int)(topo.Positions - topo.Nnz);
        Buffers.Ensure(ref _rows, Count + inactive);
        Buffers.Ensure(ref _cols, Count + inactive);
        Count += topo.CopyInactiveTo(_rows.AsSpan(Count), _cols.AsSpan(Count));
        return Count;
    }
}
