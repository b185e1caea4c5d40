// ChannelNormalization: per-channel mean and standard deviation, (x − mean[c]) / std[c].
// Either computed from a dataset (always from the train split, so no test information leaks) or taken from
// the constants published for MNIST, Fashion-MNIST and CIFAR; tests check the published ones against our data.
namespace Sprout.Data;

/// <summary>Per-channel standardization constants; immutable.</summary>
public sealed class ChannelNormalization
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates constants for <c>mean.Length</c> channels.</summary>
    /// <exception cref="ArgumentException">Lengths differ, are zero, or a std is not positive.</exception>
    public ChannelNormalization(ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Need one mean and one std per channel, got {mean.Length} and {std.Length}.", nameof(std));
        foreach (float s in std)
        {
            if (!(s > 0) || float.IsInfinity(s))
                throw new ArgumentException($"Every std must be positive and finite, got {s}.", nameof(std));
        }
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>Number of channels.</summary>
    public int Channels => _mean.Length;

    /// <summary>Per-channel means.</summary>
    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>Per-channel standard deviations (all positive).</summary>
    public ReadOnlySpan<float> Std => _std;

    /// <summary>MNIST train: 0.1307 / 0.3081.</summary>
    public static ChannelNormalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>Fashion-MNIST train: 0.2860 / 0.3530.</summary>
    public static ChannelNormalization FashionMnist { get; } = new([0.2860f], [0.3530f]);

    /// <summary>CIFAR-10 train, RGB: mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435, 0.2616) over all pixels.</summary>
    public static ChannelNormalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>CIFAR-100 train, RGB: mean (0.5071, 0.4865, 0.4409), std (0.2673, 0.2564, 0.2762) over all pixels.</summary>
    public static ChannelNormalization Cifar100 { get; } = new([0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]);

    /// <summary>The published constants for a registry name, or null when none are published (digits).</summary>
    public static ChannelNormalization? ForDataset(string name) => DatasetRegistry.Canonicalize(name) switch
    {
        "mnist" => Mnist,
        "fashion-mnist" => FashionMnist,
        "cifar10" => Cifar10,
        "cifar100" => Cifar100,
        _ => null,
    };

    /// <summary>
    /// Mean and population standard deviation of each channel over all samples and pixels of
    /// <paramref name="dataset"/> (accumulated in double). A constant channel gets std 1 so it maps to 0, not NaN.
    /// </summary>
    public static ChannelNormalization Compute(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ImageShape shape = dataset.ImageShape;
        int plane = shape.Height * shape.Width;
        var sum = new double[shape.Channels];
        var sumSquares = new double[shape.Channels];
        var sample = new float[shape.Size]; // one decoded sample at a time: byte datasets are never expanded whole
        for (int n = 0; n < dataset.Count; n++)
        {
            dataset.CopySample(n, sample);
            for (int c = 0; c < shape.Channels; c++)
            {
                // Per-plane float partial sums keep the inner loop cheap; planes are at most a few thousand values.
                ReadOnlySpan<float> values = sample.AsSpan(c * plane, plane);
                float s = 0, s2 = 0;
                foreach (float v in values)
                {
                    s += v;
                    s2 += v * v;
                }
                sum[c] += s;
                sumSquares[c] += s2;
            }
        }
        double count = Math.Max(1.0, (double)dataset.Count * plane);
        var mean = new float[shape.Channels];
        var std = new float[shape.Channels];
        for (int c = 0; c < shape.Channels; c++)
        {
            double m = sum[c] / count;
            double variance = Math.Max(0, sumSquares[c] / count - m * m);
            mean[c] = (float)m;
            std[c] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }
        return new ChannelNormalization(mean, std);
    }

    /// <summary>"mean [..] std [..]" with four decimals.</summary>
    public override string ToString() =>
        $"mean [{string.Join(", ", _mean.Select(m => m.ToString("F4")))}] std [{string.Join(", ", _std.Select(s => s.ToString("F4")))}]";
}
