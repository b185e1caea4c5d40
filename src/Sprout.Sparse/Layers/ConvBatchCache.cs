// ConvBatchCache: a sparse conv layer's last batch (X [Cin, B, H, W] and dY [Cout, B, OH, OW], feature-major) for
// growth criteria at topology updates. It holds no copy of its own: the forward pass asks the recording tape to keep
// the op's input and output tensors past Tape.Reset (Tape.Keep), dY is then the output's gradient, and Release hands
// both back once the update has read them (the training driver does so after every step). Activations are the bulk of
// a conv net's memory, so a copy per layer made a dynamic sparse run larger than the dense one. Only an input the tape
// does not own (a caller's tensor, which the caller may overwrite) is copied.
using Sprout.Core;

namespace Sprout.Sparse;

/// <summary>The last batch of a sparse conv layer, kept in the tape's buffers between its forward pass and the next topology update.</summary>
public sealed class ConvBatchCache
{
    private Tape? _tape;        // the tape keeping the tensors below, or null
    private Tensor? _x, _y;     // this batch's input, and the output whose gradient is dY
    private bool _xKept, _yKept; // whether _tape keeps them (else their data was copied)
    private float[] _xCopy = [], _dyCopy = [];

    /// <summary>When false the batch is not kept at all; <see cref="HasGradient"/> stays false. Setting it releases what is kept.</summary>
    public bool Enabled
    {
        get;
        set
        {
            field = value;
            if (value) return;
            Release();
            (_xCopy, _dyCopy) = ([], []);
        }
    } = true;

    /// <summary>
    /// When true (and enabled) this step's batch is not kept: for steps whose batch no method reads (between topology
    /// updates). <see cref="HasGradient"/> then stays false until a step that keeps it again.
    /// </summary>
    public bool Paused { get; set; }

    /// <summary>Whether a recorded forward pass keeps its batch: enabled and not paused.</summary>
    public bool Keeps => Enabled && !Paused;

    /// <summary>Images of the kept batch (0 until the first forward pass).</summary>
    public int Batch { get; private set; }

    /// <summary>True once a backward pass has produced dY for the kept batch (until <see cref="Release"/> or the next forward pass).</summary>
    public bool HasGradient { get; private set; }

    /// <summary>Floats this cache holds of its own (copies of inputs the tape does not own); 0 when it reads the tape's tensors in place.</summary>
    public long CopiedFloats => _xCopy.LongLength + _dyCopy.LongLength;

    /// <summary>X, feature-major [Cin, B, H, W] (<paramref name="size"/> = Cin·B·H·W floats).</summary>
    public ReadOnlySpan<float> Input(int size) => _xKept ? _x!.Data[..size] : _xCopy.AsSpan(0, size);

    /// <summary>dY, feature-major [Cout, B, OH, OW] (<paramref name="size"/> = Cout·B·OH·OW floats).</summary>
    public ReadOnlySpan<float> OutputGradient(int size) => _yKept ? _y!.Grad[..size] : _dyCopy.AsSpan(0, size);

    /// <summary>Hands the kept tensors back to their tape; <see cref="HasGradient"/> becomes false. Idempotent.</summary>
    public void Release()
    {
        if (_tape is not null)
        {
            if (_xKept) _tape.Release(_x!);
            if (_yKept) _tape.Release(_y!);
        }
        (_tape, _x, _y, _xKept, _yKept, HasGradient) = (null, null, null, false, false, false);
    }

    /// <summary>Forward pass: forgets the previous batch and, when recording and <see cref="Keeps"/>, keeps x and y.</summary>
    internal void Begin(Tensor x, Tensor y, int batch)
    {
        Release();
        Batch = batch;
        if (!Keeps || !Tape.GradEnabled) return;
        (_tape, _x, _y) = (Tape.Current!, x, y);
        _xKept = _tape.Keep(x);
        _yKept = _tape.Keep(y);
        if (_xKept) return;
        if (_xCopy.Length < x.Size) _xCopy = new float[x.Size];
        x.Data.CopyTo(_xCopy);
    }

    /// <summary>Backward pass: dY (the kept output's gradient) is now complete.</summary>
    internal void Finish(ReadOnlySpan<float> dy)
    {
        if (_x is null) return; // not kept this step
        if (!_yKept)
        {
            if (_dyCopy.Length < dy.Length) _dyCopy = new float[dy.Length];
            dy.CopyTo(_dyCopy);
        }
        HasGradient = true;
    }
}
