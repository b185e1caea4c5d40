// Dataset invariants: constructor validation, subset copies, stratified deterministic split,
// normalization arithmetic, and ChannelNormalization.Compute against hand-computed values.
using Sprout.Core;

namespace Sprout.Data.Tests;

public class DatasetTests
{
    /// <summary>N samples of C x 2 x 2 where every value of sample i, channel c is i + 10c; labels i % classes.</summary>
    internal static Dataset Make(int count, int channels = 1, int classes = 3, int height = 2, int width = 2)
    {
        var features = new Tensor(count, channels, height, width);
        int plane = height * width;
        for (int i = 0; i < count; i++)
            for (int c = 0; c < channels; c++)
                features.Data.Slice((i * channels + c) * plane, plane).Fill(i + 10 * c);
        return new Dataset("toy", features, Enumerable.Range(0, count).Select(i => i % classes).ToArray(), classes);
    }

    [Fact]
    public void ConstructorRejectsInconsistentInputs()
    {
        Assert.Throws<ArgumentException>(() => new Dataset("x", new Tensor(2, 4), [0, 1], 2));
        Assert.Throws<ArgumentException>(() => new Dataset("x", new Tensor(2, 1, 2, 2), [0], 2));
        Assert.Throws<ArgumentException>(() => new Dataset("x", new Tensor(2, 1, 2, 2), [0, 2], 2));
        Assert.Throws<ArgumentException>(() => new Dataset("x", new Tensor(2, 1, 2, 2), [0, 1], 2, ["a"]));
        Assert.Equal(["0", "1"], new Dataset("x", new Tensor(2, 1, 2, 2), [0, 1], 2).ClassNames);
    }

    [Fact]
    public void SubsetCopiesSamplesInOrder()
    {
        Dataset data = Make(5);
        Dataset subset = data.Subset([4, 1]);
        Assert.Equal([1, 1], subset.Labels);
        Assert.Equal(4f, subset.Sample(0)[0]);
        Assert.Equal(1f, subset.Sample(1)[3]);
        subset.Normalize(new ChannelNormalization([1f], [1f])); // changes the copy only
        Assert.Equal(3f, subset.Sample(0)[0]);
        Assert.Equal(4f, data.Sample(4)[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset([5]));
    }

    [Fact]
    public void SplitIsStratifiedDisjointCompleteAndDeterministic()
    {
        Dataset data = Make(100, classes: 4);
        (Dataset train, Dataset validation) = data.Split(0.2, seed: 7);
        Assert.Equal([5, 5, 5, 5], validation.ClassCounts());
        Assert.Equal([20, 20, 20, 20], train.ClassCounts());
        // Values identify samples: together the parts hold each sample once, each part in original order.
        float[] trainIds = Ids(train), validationIds = Ids(validation);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (float)i), trainIds.Concat(validationIds).Order());
        Assert.Equal(trainIds.Order(), trainIds);

        (_, Dataset same) = data.Split(0.2, seed: 7);
        (_, Dataset other) = data.Split(0.2, seed: 8);
        Assert.Equal(validationIds, Ids(same));
        Assert.NotEqual(validationIds, Ids(other));
    }

    [Fact]
    public void SplitRejectsBadFractions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Make(4).Split(1.0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Make(4).Split(double.NaN, 0));
        Assert.Equal(0, Make(4).Split(0, 0).Validation.Count);
    }

    [Fact]
    public void ComputeGivesPerChannelMeanAndPopulationStd()
    {
        // Channel 0 holds 0, 1, 2, 3 (one value per sample); channel 1 holds 10..13.
        ChannelNormalization n = ChannelNormalization.Compute(Make(4, channels: 2));
        Assert.Equal(1.5f, n.Mean[0], 5);
        Assert.Equal(11.5f, n.Mean[1], 5);
        Assert.Equal(MathF.Sqrt(1.25f), n.Std[0], 5);
        Assert.Equal(MathF.Sqrt(1.25f), n.Std[1], 4);
    }

    [Fact]
    public void ConstantChannelGetsUnitStd()
    {
        var data = new Dataset("c", new Tensor(3, 1, 2, 2), [0, 0, 0], 1);
        Assert.Equal(1f, ChannelNormalization.Compute(data).Std[0]);
    }

    [Fact]
    public void NormalizeAppliesPerChannelAndOnlyOnce()
    {
        Dataset data = Make(2, channels: 2);
        var n = new ChannelNormalization([1f, 10f], [2f, 4f]);
        data.Normalize(n);
        Assert.Equal(-0.5f, data.Sample(0)[0]);
        Assert.Equal(0f, data.Sample(0)[4]);
        Assert.Equal(0.25f, data.Sample(1)[7]);
        Assert.Same(n, data.Normalization);
        Assert.Throws<InvalidOperationException>(() => data.Normalize(n));
        Assert.Same(n, data.Subset([0]).Normalization);
        Assert.Throws<ArgumentException>(() => Make(1).Normalize(n));
    }

    [Fact]
    public void NormalizationConstantsAreValidated()
    {
        Assert.Throws<ArgumentException>(() => new ChannelNormalization([0f], [0f]));
        Assert.Throws<ArgumentException>(() => new ChannelNormalization([0f, 1f], [1f]));
        Assert.Null(ChannelNormalization.ForDataset("digits"));
        Assert.Same(ChannelNormalization.Cifar10, ChannelNormalization.ForDataset("CIFAR-10"));
    }

    private static float[] Ids(Dataset d) => Enumerable.Range(0, d.Count).Select(i => d.Sample(i)[0]).ToArray();
}
