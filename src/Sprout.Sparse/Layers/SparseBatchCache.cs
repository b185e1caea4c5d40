// SparseBatchCache: the last batch's input and output gradient in feature-major layout ([features × batch]),
// kept by a sparse layer across Tape.Reset so that growth criteria can compute gradients at arbitrary positions
// by SDDMM at update steps. O(batch·(in + out)) memory: never a dense weight-shaped buffer. When no method reads
// it (static sparse training, the scale benchmark), disabling it saves its buffers; the layer then works in
// buffers of the tape that are freed at Tape.Reset.
// It holds a buffer of its own only where the layer computes anyway: Xᵀ of a batch-major input (the kernels need the
// transpose) and dZ of a batch-major output with ReLU (whose backward reads z). Everything else is the tape's: the forward
// pass asks the tape to keep the input and output past Tape.Reset (Tape.Keep, as ConvBatchCache); a feature-major
// output's gradient is dZ (backward writes it in place), a batch-major one without ReLU is dZ transposed, which
// OutputGradientT transposes into one buffer shared by all layers when a method reads it. So a ViT's sparse projections
// hold no copies (they made a 90%-sparse ViT 40% larger than the dense one). Release hands the tensors back.
using Sprout.Core;

namespace Sprout.Sparse;

/// <summary>Per-layer buffers: Xᵀ [in × batch] and dZᵀ [out × batch] of the last batch, own or kept in the tape.</summary>
public sealed class SparseBatchCache
{
    private float[] _xt = [];
    private float[] _dzt = [];
    private Tape? _tape;          // the tape keeping _x and/or _y, or null
    private Tensor? _x, _y;       // a kept feature-major input, and a kept output whose gradient is dZ (or dZᵀ, batch-major)
    private bool _xOwn;           // a feature-major input the tape does not own, copied into _xt
    private bool _yBatchMajor;    // _y is batch-major: OutputGradientT transposes its gradient
    [ThreadStatic] private static float[]? _transposed; // dZ of a kept batch-major output, for the caller of OutputGradientT

    /// <summary>When false the batch is not kept (and no buffers are held); <see cref="HasGradient"/> stays false.</summary>
    public bool Enabled
    {
        get;
        set
        {
            field = value;
            if (value) return;
            Release();
            (_xt, _dzt) = ([], []);
        }
    } = true;

    /// <summary>
    /// When true (and enabled) this batch's feature-major input and output are not kept: for steps whose batch no method
    /// reads (between topology updates). <see cref="HasGradient"/> then stays false until a step that keeps them again.
    /// Batch-major ones are transposed into the cache's buffers, where the layer computes anyway.
    /// </summary>
    public bool Paused { get; set; }

    /// <summary>Whether this step's feature-major input and output are kept: enabled and not paused.</summary>
    public bool Copies => Enabled && !Paused;

    /// <summary>Rows of the cached batch (0 until the first forward pass).</summary>
    public int Batch { get; private set; }

    /// <summary>True once a backward pass has filled <see cref="OutputGradientT"/> for the current batch.</summary>
    public bool HasGradient { get; internal set; }

    /// <summary>Tensors this cache has the tape keep (0, 1 or 2; diagnostics and tests).</summary>
    public int KeptCount => (_x is null ? 0 : 1) + (_y is null ? 0 : 1);

    /// <summary>Xᵀ [in × Batch].</summary>
    public Span<float> InputT(int inFeatures) => _x is not null ? _x.Data[..(inFeatures * Batch)] : _xt.AsSpan(0, inFeatures * Batch);

    /// <summary>
    /// dZᵀ [out × Batch] (the gradient of the layer's pre-activation output). For a kept batch-major output it is transposed
    /// into a buffer shared by every cache on this thread, valid until the next such call (a topology update reads one layer at a time).
    /// </summary>
    public Span<float> OutputGradientT(int outFeatures)
    {
        int size = outFeatures * Batch;
        if (_y is null) return _dzt.AsSpan(0, size);
        if (!_yBatchMajor) return _y.Grad[..size];
        if (_transposed is null || _transposed.Length < size) _transposed = new float[size];
        Kernels.Transpose.Matrix(_y.Grad, _transposed, Batch, outFeatures);
        return _transposed.AsSpan(0, size);
    }

    /// <summary>The layer's own Xᵀ buffer (a batch-major input is transposed into it).</summary>
    internal Span<float> OwnInputT(int inFeatures) => _xt.AsSpan(0, inFeatures * Batch);

    /// <summary>The layer's own dZᵀ buffer (a batch-major output with ReLU: z's gradient through the ReLU).</summary>
    internal Span<float> OwnOutputGradientT(int outFeatures) => _dzt.AsSpan(0, outFeatures * Batch);

    /// <summary>Hands kept tensors back to their tape; <see cref="HasGradient"/> becomes false when any were kept. Idempotent.</summary>
    public void Release()
    {
        if (_tape is not null)
        {
            if (_x is not null) _tape.Release(_x);
            if (_y is not null) _tape.Release(_y);
            HasGradient = false;
        }
        (_tape, _x, _y) = (null, null, null);
    }

    /// <summary>Forgets the previous batch and sizes the own buffers for this one (storage only grows, so steady state allocates nothing).</summary>
    internal void Prepare(int batch, int inFeatures, int outFeatures, bool inputFeatureMajor, bool ownOutputGradient)
    {
        Release();
        Batch = batch;
        HasGradient = false;
        _xOwn = false;
        if (!Enabled) return;
        if (!inputFeatureMajor && _xt.Length < (long)inFeatures * batch) _xt = new float[(long)inFeatures * batch];
        if (ownOutputGradient && _dzt.Length < (long)outFeatures * batch) _dzt = new float[(long)outFeatures * batch];
    }

    /// <summary>Keeps a feature-major input when this step copies: in the tape when it owns x, else as a copy.</summary>
    internal void KeepInput(Tensor x)
    {
        if (!Copies || !Tape.GradEnabled) return;
        if (Tape.Current!.Keep(x)) (_tape, _x) = (Tape.Current, x);
        else
        {
            if (_xt.Length < x.Size) _xt = new float[x.Size];
            x.Data.CopyTo(_xt);
            _xOwn = true;
        }
    }

    /// <summary>Keeps an output whose gradient is dZ (feature-major, in place) or dZᵀ (batch-major without ReLU) when this step copies.</summary>
    internal void KeepOutput(Tensor y)
    {
        if (!Copies || !Tape.GradEnabled || !Tape.Current!.Keep(y)) return;
        (_tape, _y, _yBatchMajor) = (Tape.Current, y, y.Layout != Layout.FeatureMajor);
    }

    /// <summary>Whether this step's input is available at an update: a batch-major one always (own Xᵀ), a feature-major one when kept.</summary>
    internal bool HasInput(bool inputFeatureMajor) => Enabled && (!inputFeatureMajor || _x is not null || _xOwn);

    /// <summary>Whether this step's dZ is available: in the own buffer (batch-major output with ReLU) always, else when the output is kept.</summary>
    internal bool HasOutputGradient(bool ownOutputGradient) => Enabled && (ownOutputGradient || _y is not null);
}
