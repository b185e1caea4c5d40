// GradientSlab: one contiguous buffer holding every parameter's gradient, cut into fixed, ordered buckets that
// are summed across ranks one after another (PyTorch DDP's shape, without its overlap with backward: Sprout's
// backward is one tape walk, so the reduction runs between backward and optimizer.Step()). The plan (each
// parameter's offset) is made once and re-made only when a parameter's element count changes, which for a sparse
// layer means a topology update moved nnz between layers; a plain rewire keeps every length and the plan.
// A few extra slots after the gradients carry per-step scalars (the loss) in the same reduction.
using Sprout.Core;

namespace Sprout.Training.Distributed;

/// <summary>Packs gradients into one slab, sums it across ranks bucket by bucket, and unpacks it.</summary>
public sealed class GradientSlab
{
    /// <summary>Default bucket size: 1 Mi floats (4 MB), large enough that per-call latency does not dominate.</summary>
    public const int DefaultBucketElements = 1 << 20;

    private readonly Tensor[] _parameters;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly int _extras;
    private float[] _slab = [];

    /// <summary>Plans a slab over <paramref name="parameters"/> (in this order) plus <paramref name="extraSlots"/> scalars.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive bucket size or a negative number of extra slots.</exception>
    public GradientSlab(IEnumerable<Tensor> parameters, int bucketElements = DefaultBucketElements, int extraSlots = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketElements);
        ArgumentOutOfRangeException.ThrowIfNegative(extraSlots);
        _parameters = [.. parameters];
        _offsets = new int[_parameters.Length];
        _lengths = new int[_parameters.Length];
        _extras = extraSlots;
        BucketElements = bucketElements;
        Plan();
    }

    /// <summary>Floats per bucket (the last bucket may be shorter).</summary>
    public int BucketElements { get; }

    /// <summary>Gradient elements in the slab (Σ parameter sizes: nnz for sparse weights, dense sizes otherwise).</summary>
    public int GradientElements { get; private set; }

    /// <summary>Every element reduced per step: gradients plus the extra slots.</summary>
    public int TotalElements => GradientElements + _extras;

    /// <summary>Buckets per step.</summary>
    public int Buckets => (TotalElements + BucketElements - 1) / BucketElements;

    /// <summary>Times the plan was made (1 at construction; +1 per change of some parameter's length).</summary>
    public int Plans { get; private set; }

    /// <summary>The extra slots' sums after the last <see cref="Reduce"/>.</summary>
    public ReadOnlySpan<float> Extras => _slab.AsSpan(GradientElements, _extras);

    /// <summary>
    /// Writes <paramref name="scale"/>·gradient of every parameter into the slab, sums the slab over all ranks bucket
    /// by bucket (bucket 0 first), and writes the sums back into the gradients; <paramref name="extras"/> (one value
    /// per extra slot) are summed alongside and read from <see cref="Extras"/>. Allocation-free unless re-planned.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="extras"/> does not have one value per extra slot.</exception>
    public void Reduce(SumReducer reducer, float scale, ReadOnlySpan<float> extras = default)
    {
        ArgumentNullException.ThrowIfNull(reducer);
        if (extras.Length != _extras) throw new ArgumentException($"The slab has {_extras} extra slots; {extras.Length} values were given.", nameof(extras));
        if (!PlanIsCurrent()) Plan();
        var slab = _slab.AsSpan(0, TotalElements);
        extras.CopyTo(slab[GradientElements..]);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var grad = _parameters[i].Grad;
            var dst = slab.Slice(_offsets[i], _lengths[i]);
            if (scale == 1f) grad.CopyTo(dst);
            else System.Numerics.Tensors.TensorPrimitives.Multiply(grad, scale, dst);
        }
        for (int start = 0; start < slab.Length; start += BucketElements)
            reducer.Sum(slab.Slice(start, Math.Min(BucketElements, slab.Length - start)));
        for (int i = 0; i < _parameters.Length; i++)
            slab.Slice(_offsets[i], _lengths[i]).CopyTo(_parameters[i].Grad);
    }

    private bool PlanIsCurrent()
    {
        for (int i = 0; i < _parameters.Length; i++)
            if (_parameters[i].Size != _lengths[i]) return false;
        return true;
    }

    private void Plan()
    {
        long total = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            _offsets[i] = (int)total;
            _lengths[i] = _parameters[i].Size;
            total += _lengths[i];
        }
        if (total + _extras > Array.MaxLength)
            throw new InvalidOperationException($"The gradients hold {total} elements, more than one slab can (at most {Array.MaxLength}).");
        GradientElements = (int)total;
        if (_slab.Length < total + _extras) _slab = new float[total + _extras]; // the extras are refilled every step
        Plans++;
    }
}
