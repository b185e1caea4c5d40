// Tensor: a contiguous, row-major float32 N-d array with an optional gradient buffer.
// It is deliberately not a view type: no strides, no broadcasting machinery. Ops that need a different
// layout (transpose, im2col) produce a new contiguous tensor through a kernel, which keeps every kernel
// a plain span loop. Storage may be larger than Size so that pooled tensors can be reused across shapes.
namespace Sprout.Core;

/// <summary>A contiguous row-major float32 tensor. <see cref="Grad"/> is allocated on first use.</summary>
public sealed class Tensor
{
    /// <summary>Largest rank supported; dims live in a fixed inline buffer so reshaping never allocates.</summary>
    public const int MaxRank = 6;

    private readonly int[] _dims = new int[MaxRank];
    private float[] _data;
    private float[]? _grad;
    private bool _gradStale; // _grad holds an earlier step's values that read as zero (see DeferZeroGrad)

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape) : this((ReadOnlySpan<int>)shape) { }

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public Tensor(ReadOnlySpan<int> shape)
    {
        SetShape(shape, allowGrow: true);
        _data = new float[Math.Max(Size, 0)];
    }

    /// <summary>Wraps an existing array (not copied). Its length must be at least the shape's size.</summary>
    public Tensor(float[] data, params int[] shape)
    {
        _data = data;
        SetShape(shape, allowGrow: false);
    }

    /// <summary>Number of dimensions.</summary>
    public int Rank { get; private set; }

    /// <summary>Number of elements (product of the shape).</summary>
    public int Size { get; private set; }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _dims.AsSpan(0, Rank);

    /// <summary>Size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => _dims[axis < 0 ? Rank + axis : axis];

    /// <summary>When true, ops on this tensor are recorded on the active tape and backward fills <see cref="Grad"/>.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>
    /// Which dimension is the batch (see <see cref="Sprout.Core.Layout"/>). Set by the op that produced the tensor;
    /// shape alone cannot tell [F, B] from [B, F].
    /// </summary>
    public Layout Layout { get; set; }

    /// <summary>Optional name (parameters carry their module path, e.g. "layers.0.weight").</summary>
    public string? Name { get; set; }

    /// <summary>The element data (exactly <see cref="Size"/> elements).</summary>
    public Span<float> Data => _data.AsSpan(0, Size);

    /// <summary>The backing array; may be longer than <see cref="Size"/>. For kernels that need an array.</summary>
    public float[] Storage => _data;

    /// <summary>True once a gradient buffer exists.</summary>
    public bool HasGrad => _grad is not null;

    /// <summary>The gradient (same shape as the data), allocated zeroed on first access.</summary>
    public Span<float> Grad
    {
        get
        {
            bool stale = _gradStale;
            var grad = GradForWrite(out bool overwrite);
            if (overwrite && stale) grad.Clear(); // a freshly allocated gradient is already zero
            return grad;
        }
    }

    /// <summary>
    /// The gradient for a backward kernel that can either overwrite it or add to it. <paramref name="overwrite"/> is true
    /// when the gradient is still all zero (nothing has written it since it was allocated or its tensor was rented from
    /// the tape's pool); the caller must then write every element, which saves clearing it and reading the zeros back.
    /// Otherwise the caller must add to it, as with <see cref="Grad"/>.
    /// </summary>
    public Span<float> GradForWrite(out bool overwrite)
    {
        overwrite = _grad is null || _grad.Length < Size || _gradStale;
        if (_grad is null || _grad.Length < Size) _grad = new float[_data.Length];
        _gradStale = false;
        return _grad.AsSpan(0, Size);
    }

    /// <summary>Element at a flat index.</summary>
    public float this[int index]
    {
        get => Data[index];
        set => Data[index] = value;
    }

    /// <summary>Element at a 2-d index (row, column).</summary>
    public float this[int row, int col]
    {
        get => _data[row * _dims[1] + col];
        set => _data[row * _dims[1] + col] = value;
    }

    /// <summary>Zeros the gradient, if any.</summary>
    public void ZeroGrad()
    {
        if (_grad is not null) Array.Clear(_grad, 0, Size);
        _gradStale = false;
    }

    /// <summary>
    /// Zeros the gradient lazily: it reads as zero from the next <see cref="Grad"/> access, which clears it then, unless
    /// a <see cref="GradForWrite"/> caller overwrites it first. The tape's pool uses this when it hands a tensor out again.
    /// </summary>
    internal void DeferZeroGrad() => _gradStale = _grad is not null;

    /// <summary>
    /// Changes the shape in place. The element count may change only within the existing storage
    /// (used by pools and by the last, smaller batch of an epoch); contents are kept as raw memory.
    /// </summary>
    public void Reshape(params int[] shape) => SetShape(shape, allowGrow: false);

    /// <summary>Same as <see cref="Reshape(int[])"/> without an array allocation.</summary>
    public void Reshape(ReadOnlySpan<int> shape) => SetShape(shape, allowGrow: false);

    /// <summary>
    /// Reshapes, growing the storage (and an existing gradient) if needed. Existing elements keep their flat positions;
    /// grown elements are zero.
    /// </summary>
    public void Resize(ReadOnlySpan<int> shape)
    {
        SetShape(shape, allowGrow: true);
        if (_data.Length < Size) Array.Resize(ref _data, Size);
        if (_grad is not null && _grad.Length < _data.Length) Array.Resize(ref _grad, _data.Length);
    }

    /// <summary>
    /// Points this tensor at <paramref name="storage"/> (not copied) with the given shape: a sparse layer's value array
    /// reallocated at a topology update. An existing gradient keeps its contents and grows to the new storage length.
    /// </summary>
    /// <exception cref="ArgumentException">The storage is shorter than the shape's size.</exception>
    public void Rebind(float[] storage, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var previous = _data;
        _data = storage;
        try
        {
            SetShape(shape, allowGrow: false);
        }
        catch
        {
            _data = previous;
            throw;
        }
        if (_grad is not null && _grad.Length < _data.Length) Array.Resize(ref _grad, _data.Length);
    }

    /// <summary>True when this tensor has exactly the given shape.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => Shape.SequenceEqual(shape);

    /// <summary>Copies the data into a new array (for tests and serialization).</summary>
    public float[] ToArray() => Data.ToArray();

    /// <summary>A short description like "Tensor[100, 784]".</summary>
    public override string ToString() => $"Tensor[{string.Join(", ", Shape.ToArray())}]" + (Name is null ? "" : $" '{Name}'");

    private void SetShape(ReadOnlySpan<int> shape, bool allowGrow)
    {
        if (shape.Length is 0 or > MaxRank)
            throw new ArgumentException($"A tensor needs 1 to {MaxRank} dimensions, got {shape.Length}.", nameof(shape));
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Dimensions must be non-negative, got [{string.Join(", ", shape.ToArray())}].", nameof(shape));
            size *= d;
        }
        if (size > Array.MaxLength)
            throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] has {size} elements, more than one array can hold.", nameof(shape));
        if (!allowGrow && _data is not null && size > _data.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] needs {size} elements but the storage holds {_data.Length}.", nameof(shape));
        shape.CopyTo(_dims);
        Rank = shape.Length;
        Size = (int)size;
    }
}
