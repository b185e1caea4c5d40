// SparseBatchCache: the last batch's input and output gradient in feature-major layout ([features × batch]),
// kept by a sparse layer across Tape.Reset so that growth criteria can compute gradients at arbitrary positions
// by SDDMM at update steps. O(batch·(in + out)) memory: never a dense weight-shaped buffer. When no method reads
// it (static sparse training, the scale benchmark), disabling it saves both buffers; the layer then works in
// buffers of the tape that are freed at Tape.Reset. (SparseLinear computes in these buffers for batch-major
// activations, so they cost no copy, and copies feature-major ones unless paused; conv layers keep the tape's own X
// and dY instead: ConvBatchCache.)
namespace Sprout.Sparse;

/// <summary>Persistent per-layer buffers: Xᵀ [in × batch] and dYᵀ [out × batch] of the last batch.</summary>
public sealed class SparseBatchCache
{
    private float[] _xt = [];
    private float[] _dyt = [];

    /// <summary>When false the batch is not kept (and no buffers are held); <see cref="HasGradient"/> stays false.</summary>
    public bool Enabled
    {
        get;
        set
        {
            field = value;
            if (value) return;
            (_xt, _dyt, HasGradient) = ([], [], false);
        }
    } = true;

    /// <summary>
    /// When true (and enabled) the buffers are kept but this batch is not copied in: for steps whose batch no method
    /// reads (between topology updates). <see cref="HasGradient"/> then stays false until a step that copies again.
    /// Only SparseLinear's copies heed it, of a feature-major input or output gradient (batch-major ones are transposed
    /// into the cache's buffers, where the layer computes anyway).
    /// </summary>
    public bool Paused { get; set; }

    /// <summary>Whether this step's batch is copied in: enabled and not paused.</summary>
    public bool Copies => Enabled && !Paused;

    /// <summary>Rows of the cached batch (0 until the first forward pass).</summary>
    public int Batch { get; private set; }

    /// <summary>True once a backward pass has filled <see cref="OutputGradientT"/> for the current batch.</summary>
    public bool HasGradient { get; internal set; }

    /// <summary>Xᵀ [in × Batch].</summary>
    public Span<float> InputT(int inFeatures) => _xt.AsSpan(0, inFeatures * Batch);

    /// <summary>dYᵀ [out × Batch] (the gradient of the layer's pre-activation output).</summary>
    public Span<float> OutputGradientT(int outFeatures) => _dyt.AsSpan(0, outFeatures * Batch);

    /// <summary>Sizes the buffers for a batch (storage only grows, so steady state allocates nothing).</summary>
    internal void Prepare(int batch, int inFeatures, int outFeatures)
    {
        Batch = batch;
        HasGradient = false;
        if (!Enabled) return;
        if (_xt.Length < (long)inFeatures * batch) _xt = new float[(long)inFeatures * batch];
        if (_dyt.Length < (long)outFeatures * batch) _dyt = new float[(long)outFeatures * batch];
    }
}
