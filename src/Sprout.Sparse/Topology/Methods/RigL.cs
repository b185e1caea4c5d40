// RigL: Rigging the Lottery (Evci, Gale, Menick, Castro, Elsen, "Rigging the Lottery: Making All Tickets Winners",
// ICML 2020; google-research/rigl). Drop the smallest |w| (tiny Gaussian noise breaks ties), grow the positions
// with the largest |dense gradient| among those not kept; new weights 0 and their optimizer slots reset.
// The dense gradient dL/dW = δᵀX is never materialised: rows are produced a block at a time by
// ISparseLayer.DenseGradientRows and fed into a running top-k (a min-heap of size k), then the block is reused.
// Memory is O(nnz + block·Cols + k); time at an update step is O(Rows·Cols·batch), i.e. as much as one dense
// weight-gradient product, which is RigL's published cost and happens only every ΔT steps.
// Not here: skipping the optimizer step on update steps (the TF1 code does; Sprout applies both, see docs).
namespace Sprout.Sparse.Topology.Methods;

/// <summary>
/// RigL (Evci et al. 2020): drop by |w| + N(0, σ²) noise (σ = 1e-5 as in the reference code), grow by |∇L| of the
/// dense minibatch gradient among positions that are inactive or being dropped (just-dropped weights may regrow and
/// keep their value and state). Paper defaults: α = 0.3, ΔT = 100, cosine decay, T_end = 75% of training.
/// </summary>
public sealed class RigL : ITopologyUpdater
{
    private float[] _block = [];
    private int[] _columns = [];
    private float[] _heapScores = [];
    private long[] _heapKeys = [];

    /// <summary>Creates RigL.</summary>
    /// <param name="blockFloats">Target size of one streamed block of dense-gradient rows, in floats (at least one row is used).</param>
    /// <param name="dropNoise">Std of the tie-breaking noise added to |w| before dropping (0 turns it off).</param>
    /// <exception cref="ArgumentOutOfRangeException">blockFloats &lt; 1 or dropNoise negative.</exception>
    public RigL(int blockFloats = 1 << 20, float dropNoise = 1e-5f)
    {
        if (blockFloats < 1) throw new ArgumentOutOfRangeException(nameof(blockFloats), blockFloats, "The streaming block must hold at least one float.");
        if (!(dropNoise >= 0f)) throw new ArgumentOutOfRangeException(nameof(dropNoise), dropNoise, "The drop noise std must be ≥ 0.");
        BlockFloats = blockFloats;
        DropNoise = dropNoise;
    }

    /// <summary>Floats per streamed block of gradient rows.</summary>
    public int BlockFloats { get; }

    /// <summary>Std of the tie-breaking noise on drop scores.</summary>
    public float DropNoise { get; }

    /// <inheritdoc/>
    /// <remarks>The dense gradient at update steps: Rows·Cols·batch (the O(dense) time RigL pays, streamed).</remarks>
    public double ExtraMultiplyAdds(ISparseLayer layer, bool updated) => updated ? (double)layer.Topology.Positions * layer.CachedBatch : 0;

    /// <inheritdoc/>
    public string Name => "rigl";

    /// <inheritdoc/>
    public void DropScores(ISparseLayer layer, TopologyContext context, Span<float> scores)
    {
        TopologyMechanism.MagnitudeScores(layer, scores);
        if (DropNoise == 0f) return;
        for (int i = 0; i < scores.Length; i++) scores[i] += DropNoise * context.Rng.Normal();
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The layer has no cached batch (no forward/backward pass yet).</exception>
    public void GrowCandidates(ISparseLayer layer, TopologyContext context, int count, GrowthCandidates candidates)
    {
        var topo = layer.Topology;
        if (count == 0) return;
        if (layer.CachedBatch == 0)
            throw new InvalidOperationException($"RigL needs the last batch of layer '{layer.LayerName}': call TopologyScheduler.Step after a backward pass.");
        int cols = topo.Cols;
        int blockRows = Math.Max(1, Math.Min(topo.Rows, BlockFloats / Math.Max(1, cols)));
        Buffers.Ensure(ref _block, blockRows * cols);
        Buffers.Ensure(ref _columns, cols);
        Buffers.Ensure(ref _heapScores, count);
        Buffers.Ensure(ref _heapKeys, count);
        int size = 0;
        for (int r0 = 0; r0 < topo.Rows; r0 += blockRows)
        {
            int r1 = Math.Min(topo.Rows, r0 + blockRows);
            var block = _block.AsSpan(0, (r1 - r0) * cols);
            layer.DenseGradientRows(r0, r1, block);
            for (int r = r0; r < r1; r++)
            {
                var row = block.Slice((r - r0) * cols, cols);
                int growable = context.GrowableColumns(topo, r, _columns);
                for (int i = 0; i < growable; i++)
                {
                    int c = _columns[i];
                    float s = MathF.Abs(row[c]);
                    long key = (long)r * cols + c;
                    if (size < count) HeapPush(ref size, s, key);
                    else if (s.CompareTo(_heapScores[0]) > 0) HeapReplaceMin(size, s, key);
                }
            }
        }
        candidates.Reserve(size);
        for (int i = 0; i < size; i++) candidates.Add((int)(_heapKeys[i] / cols), (int)(_heapKeys[i] % cols), _heapScores[i]);
    }

    // Min-heap on score; among equal scores the larger key sits nearer the top, so earlier positions win ties
    // (scan order is deterministic, so the chosen set is too). Scores compare by float.CompareTo: a NaN gradient is
    // the lowest (the mechanism's rule) and any number replaces it; with < and > a NaN broke the heap order and, at
    // the top, kept out every later candidate.
    private bool Less(int a, int b)
    {
        int c = _heapScores[a].CompareTo(_heapScores[b]);
        return c < 0 || (c == 0 && _heapKeys[a] > _heapKeys[b]);
    }

    private void HeapPush(ref int size, float s, long key)
    {
        int i = size++;
        _heapScores[i] = s;
        _heapKeys[i] = key;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Less(i, parent)) break;
            Swap(i, parent);
            i = parent;
        }
    }

    private void HeapReplaceMin(int size, float s, long key)
    {
        _heapScores[0] = s;
        _heapKeys[0] = key;
        int i = 0;
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && Less(l, m)) m = l;
            if (r < size && Less(r, m)) m = r;
            if (m == i) return;
            Swap(i, m);
            i = m;
        }
    }

    private void Swap(int a, int b)
    {
        (_heapScores[a], _heapScores[b]) = (_heapScores[b], _heapScores[a]);
        (_heapKeys[a], _heapKeys[b]) = (_heapKeys[b], _heapKeys[a]);
    }
}
