// Dataset: an in-memory labelled image set [N, C, H, W] (channel-major), int labels, class count and names.
// 8-bit sources (MNIST, Fashion-MNIST, CIFAR) are held as their bytes, a quarter of float32 (CIFAR-10 train is 150 MB,
// not 600 MB), and decoded while a batch is filled (PixelDecode, vectorized; a 256-entry table per channel serves the
// tails); other sources (the digits CSV, synthetic data in tests) hold float32. Either way a pixel reads as the same
// float: byte / divisor, then (v − mean[c]) · (1 / std[c]) once normalized, computed step by step exactly as the float
// path applies it in place, so a batch is bit-identical whichever storage holds it. Everything stays in memory because every
// dataset here fits and it keeps batching a plain copy.
using Sprout.Core;

namespace Sprout.Data;

/// <summary>A labelled image dataset held in memory.</summary>
public sealed class Dataset
{
    private const int TableSize = 256;

    private readonly float[]? _floats;    // [N·C·H·W] float pixels, or null when held as bytes
    private readonly byte[]? _bytes;      // [N·C·H·W] 8-bit pixels, or null when held as floats
    private readonly float _divisor;      // byte pixels: raw value = byte / divisor
    private readonly float[] _mean = [], _inverseStd = []; // byte pixels, per channel: 0 and 1 until normalized
    private readonly float[] _table = []; // byte pixels: [C·256] decoded value of each byte in each channel

    /// <summary>
    /// Wraps <paramref name="features"/> (shape [N, C, H, W]; not copied) and <paramref name="labels"/> (length N,
    /// each in [0, <paramref name="classCount"/>)). Class names default to "0", "1", ….
    /// </summary>
    /// <exception cref="ArgumentException">Shapes, counts, labels or names are inconsistent.</exception>
    public Dataset(string name, Tensor features, int[] labels, int classCount, IReadOnlyList<string>? classNames = null)
        : this(name, Shape(features), labels, classCount, classNames)
    {
        if (features.Dim(0) != labels.Length)
            throw new ArgumentException($"{features.Dim(0)} samples but {labels.Length} labels.", nameof(labels));
        _floats = features.Storage.Length == features.Size ? features.Storage : features.ToArray();
    }

    /// <summary>
    /// Wraps 8-bit <paramref name="pixels"/> (N·C·H·W bytes in [N, C, H, W] order; not copied), each reading as
    /// byte / <paramref name="divisor"/>, with <paramref name="labels"/> as in the float constructor.
    /// </summary>
    /// <exception cref="ArgumentException">Lengths, labels or names are inconsistent, or the divisor is not positive.</exception>
    public Dataset(string name, byte[] pixels, ImageShape shape, int[] labels, int classCount, IReadOnlyList<string>? classNames = null,
        float divisor = 255f)
        : this(name, shape, labels, classCount, classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)labels.Length * shape.Size)
            throw new ArgumentException($"{pixels.LongLength} pixel bytes for {labels.Length} samples of {shape}.", nameof(pixels));
        if (!(divisor > 0) || float.IsInfinity(divisor))
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "The divisor must be positive and finite.");
        (_bytes, _divisor, _table) = (pixels, divisor, new float[shape.Channels * TableSize]);
        (_mean, _inverseStd) = (new float[shape.Channels], new float[shape.Channels]);
        FillTable(null);
    }

    private Dataset(string name, ImageShape shape, int[] labels, int classCount, IReadOnlyList<string>? classNames)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(labels);
        if (shape.Channels < 1 || shape.Height < 1 || shape.Width < 1)
            throw new ArgumentException($"Images must have positive dimensions, got {shape}.", nameof(shape));
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"Label {labels[i]} at index {i} is outside [0, {classCount}).", nameof(labels));
        }
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"{classNames.Count} class names for {classCount} classes.", nameof(classNames));

        Name = name;
        Labels = labels;
        ClassCount = classCount;
        ClassNames = classNames ?? Enumerable.Range(0, classCount).Select(c => c.ToString()).ToArray();
        ImageShape = shape;
    }

    /// <summary>Dataset name, e.g. "mnist".</summary>
    public string Name { get; }

    /// <summary>Label of each sample, each in [0, <see cref="ClassCount"/>).</summary>
    public int[] Labels { get; }

    /// <summary>Number of samples N.</summary>
    public int Count => Labels.Length;

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Human-readable class names, one per class.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Shape of one sample (C, H, W).</summary>
    public ImageShape ImageShape { get; }

    /// <summary>Elements per sample, C·H·W.</summary>
    public int SampleSize => ImageShape.Size;

    /// <summary>True when the pixels are held as bytes (decoded per batch), false when held as float32.</summary>
    public bool HoldsBytes => _bytes is not null;

    /// <summary>Bytes the pixels occupy in memory (N·C·H·W, times 4 for float32).</summary>
    public long PixelBytes => _bytes?.LongLength ?? 4 * _floats!.LongLength;

    /// <summary>The standardization applied by <see cref="Normalize"/>, or null while pixels are still in [0, 1].</summary>
    public ChannelNormalization? Normalization { get; private set; }

    /// <summary>Float pixels [N·C·H·W], or null when held as bytes (for the loader's copy).</summary>
    internal float[]? Floats => _floats;

    /// <summary>Byte pixels [N·C·H·W], or null when held as floats (for the loader's decode).</summary>
    internal byte[]? Bytes => _bytes;


    /// <summary>Writes the C·H·W values of sample <paramref name="index"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside [0, <see cref="Count"/>).</exception>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="SampleSize"/>.</exception>
    public void CopySample(int index, Span<float> destination)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"Sample index outside [0, {Count}).");
        if (destination.Length < SampleSize)
            throw new ArgumentException($"The destination holds {destination.Length} values, a sample {SampleSize}.", nameof(destination));
        int size = SampleSize;
        if (_floats is not null)
        {
            _floats.AsSpan(index * size, size).CopyTo(destination);
            return;
        }
        DecodeSample(_bytes.AsSpan(index * size, size), destination);
    }

    /// <summary>A copy of sample <paramref name="index"/>'s C·H·W values (for inspection and tests; the loader uses <see cref="CopySample"/>).</summary>
    public float[] Sample(int index)
    {
        var values = new float[SampleSize];
        CopySample(index, values);
        return values;
    }

    /// <summary>All samples' values as one float array [N·C·H·W] (a copy, 4 bytes per value: for small data and tests).</summary>
    public float[] ToArray()
    {
        var values = new float[(long)Count * SampleSize];
        for (int i = 0; i < Count; i++) CopySample(i, values.AsSpan(i * SampleSize, SampleSize));
        return values;
    }

    /// <summary>One byte sample (C·H·W bytes) decoded channel by channel into <paramref name="destination"/> (byte pixels only).</summary>
    internal void DecodeSample(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int plane = ImageShape.Height * ImageShape.Width;
        for (int c = 0; c < ImageShape.Channels; c++)
            PixelDecode.Plane(source.Slice(c * plane, plane), destination.Slice(c * plane, plane), _divisor, _mean[c], _inverseStd[c],
                _table.AsSpan(c * TableSize, TableSize));
    }

    /// <summary>Number of samples of each class.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>Applies (x − mean[c]) / std[c] to every pixel of channel c (byte pixels: to their decoding table). Allowed once.</summary>
    /// <exception cref="InvalidOperationException">The dataset is already normalized.</exception>
    /// <exception cref="ArgumentException">The channel count differs from the dataset's.</exception>
    public void Normalize(ChannelNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        if (Normalization is not null)
            throw new InvalidOperationException($"{Name} is already normalized ({Normalization}).");
        if (normalization.Channels != ImageShape.Channels)
            throw new ArgumentException($"{normalization.Channels} channels of constants for {ImageShape.Channels}-channel images.", nameof(normalization));
        if (_bytes is not null) FillTable(normalization);
        else
        {
            int plane = ImageShape.Height * ImageShape.Width;
            Span<float> data = _floats;
            for (int n = 0; n < Count; n++)
            {
                for (int c = 0; c < ImageShape.Channels; c++)
                {
                    float mean = normalization.Mean[c], inverseStd = 1f / normalization.Std[c];
                    foreach (ref float v in data.Slice((n * ImageShape.Channels + c) * plane, plane)) v = (v - mean) * inverseStd;
                }
            }
        }
        Normalization = normalization;
    }

    // Every value is the float the readers and Normalize used to store for that byte: b / divisor, then (v − mean) · (1 / std)
    // (mean 0 and 1 / std = 1 before normalization leave b / divisor unchanged).
    private void FillTable(ChannelNormalization? normalization)
    {
        for (int c = 0; c < ImageShape.Channels; c++)
        {
            (_mean[c], _inverseStd[c]) = normalization is null ? (0f, 1f) : (normalization.Mean[c], 1f / normalization.Std[c]);
            for (int b = 0; b < TableSize; b++) _table[c * TableSize + b] = PixelDecode.Value(b, _divisor, _mean[c], _inverseStd[c]);
        }
    }

    /// <summary>A new dataset holding copies of the given samples, in the given order (in the same storage, bytes or floats).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var labels = new int[indices.Length];
        int size = SampleSize;
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), index, $"Sample index outside [0, {Count}).");
            labels[i] = Labels[index];
        }
        Dataset subset;
        if (_bytes is not null)
        {
            var pixels = new byte[(long)indices.Length * size];
            for (int i = 0; i < indices.Length; i++) _bytes.AsSpan(indices[i] * size, size).CopyTo(pixels.AsSpan(i * size, size));
            subset = new Dataset(Name, pixels, ImageShape, labels, ClassCount, ClassNames, _divisor);
            if (Normalization is not null) subset.FillTable(Normalization);
        }
        else
        {
            var features = new Tensor(indices.Length, ImageShape.Channels, ImageShape.Height, ImageShape.Width);
            for (int i = 0; i < indices.Length; i++) _floats.AsSpan(indices[i] * size, size).CopyTo(features.Data.Slice(i * size, size));
            subset = new Dataset(Name, features, labels, ClassCount, ClassNames);
        }
        subset.Normalization = Normalization; // float values were copied already normalized
        return subset;
    }

    /// <summary>
    /// Stratified split: from each class, round(count·<paramref name="validationFraction"/>) samples chosen by a
    /// seeded shuffle go to validation, the rest to train. Both parts keep the original sample order, and the same
    /// seed always gives the same split.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is outside [0, 1).</exception>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, ulong seed)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Must be in [0, 1).");
        var rng = Rng.Derive(seed, "dataset.split");
        var inValidation = new bool[Count];
        var byClass = new List<int>[ClassCount];
        for (int c = 0; c < ClassCount; c++) byClass[c] = [];
        for (int i = 0; i < Count; i++) byClass[Labels[i]].Add(i);
        foreach (List<int> members in byClass)
        {
            int[] shuffled = members.ToArray();
            rng.Shuffle<int>(shuffled);
            int take = (int)Math.Round(shuffled.Length * validationFraction, MidpointRounding.AwayFromZero);
            for (int k = 0; k < take; k++) inValidation[shuffled[k]] = true;
        }
        var train = new List<int>(Count);
        var validation = new List<int>();
        for (int i = 0; i < Count; i++) (inValidation[i] ? validation : train).Add(i);
        return (Subset(train.ToArray()), Subset(validation.ToArray()));
    }

    /// <summary>E.g. "mnist: 60000 x 1x28x28, 10 classes".</summary>
    public override string ToString() => $"{Name}: {Count} x {ImageShape}, {ClassCount} classes";

    private static ImageShape Shape(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rank != 4)
            throw new ArgumentException($"Features must have shape [N, C, H, W], got {features}.", nameof(features));
        return new ImageShape(features.Dim(1), features.Dim(2), features.Dim(3));
    }
}
