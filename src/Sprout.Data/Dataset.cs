// Dataset: an in-memory labelled image set: float32 features [N, C, H, W] (contiguous, channel-major),
// int labels, class count and names. Readers produce it with pixels scaled to [0, 1]; Normalize then applies
// per-channel standardization in place. It deliberately holds everything in memory (CIFAR-10 train is
// 600 MB as float32) because every dataset here fits and it keeps batching a plain copy.
using Sprout.Core;

namespace Sprout.Data;

/// <summary>A labelled image dataset held in memory.</summary>
public sealed class Dataset
{
    /// <summary>
    /// Wraps <paramref name="features"/> (shape [N, C, H, W]; not copied) and <paramref name="labels"/> (length N,
    /// each in [0, <paramref name="classCount"/>)). Class names default to "0", "1", ….
    /// </summary>
    /// <exception cref="ArgumentException">Shapes, counts, labels or names are inconsistent.</exception>
    public Dataset(string name, Tensor features, int[] labels, int classCount, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Rank != 4)
            throw new ArgumentException($"Features must have shape [N, C, H, W], got {features}.", nameof(features));
        if (features.Dim(0) != labels.Length)
            throw new ArgumentException($"{features.Dim(0)} samples but {labels.Length} labels.", nameof(labels));
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"Label {labels[i]} at index {i} is outside [0, {classCount}).", nameof(labels));
        }
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"{classNames.Count} class names for {classCount} classes.", nameof(classNames));

        Name = name;
        Features = features;
        Labels = labels;
        ClassCount = classCount;
        ClassNames = classNames ?? Enumerable.Range(0, classCount).Select(c => c.ToString()).ToArray();
        ImageShape = new ImageShape(features.Dim(1), features.Dim(2), features.Dim(3));
    }

    /// <summary>Dataset name, e.g. "mnist".</summary>
    public string Name { get; }

    /// <summary>All samples, shape [N, C, H, W], contiguous; sample i occupies elements [i·D, (i+1)·D) with D = <see cref="SampleSize"/>.</summary>
    public Tensor Features { get; }

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

    /// <summary>The standardization applied by <see cref="Normalize"/>, or null while pixels are still in [0, 1].</summary>
    public ChannelNormalization? Normalization { get; private set; }

    /// <summary>The features of sample <paramref name="index"/>, C·H·W values.</summary>
    public ReadOnlySpan<float> Sample(int index) => Features.Data.Slice(index * SampleSize, SampleSize);

    /// <summary>Number of samples of each class.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>Applies (x − mean[c]) / std[c] to every pixel of channel c, in place. Allowed once.</summary>
    /// <exception cref="InvalidOperationException">The dataset is already normalized.</exception>
    /// <exception cref="ArgumentException">The channel count differs from the dataset's.</exception>
    public void Normalize(ChannelNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        if (Normalization is not null)
            throw new InvalidOperationException($"{Name} is already normalized ({Normalization}).");
        if (normalization.Channels != ImageShape.Channels)
            throw new ArgumentException($"{normalization.Channels} channels of constants for {ImageShape.Channels}-channel images.", nameof(normalization));
        int plane = ImageShape.Height * ImageShape.Width;
        Span<float> data = Features.Data;
        for (int n = 0; n < Count; n++)
        {
            for (int c = 0; c < ImageShape.Channels; c++)
            {
                float mean = normalization.Mean[c], inverseStd = 1f / normalization.Std[c];
                foreach (ref float v in data.Slice((n * ImageShape.Channels + c) * plane, plane)) v = (v - mean) * inverseStd;
            }
        }
        Normalization = normalization;
    }

    /// <summary>A new dataset holding copies of the given samples, in the given order.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new Tensor(indices.Length, ImageShape.Channels, ImageShape.Height, ImageShape.Width);
        var labels = new int[indices.Length];
        Span<float> destination = features.Data;
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), index, $"Sample index outside [0, {Count}).");
            Sample(index).CopyTo(destination.Slice(i * SampleSize, SampleSize));
            labels[i] = Labels[index];
        }
        return new Dataset(Name, features, labels, ClassCount, ClassNames) { Normalization = Normalization };
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
}
