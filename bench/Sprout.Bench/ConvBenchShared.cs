// ConvBenchShared: what the dense-conv benchmarks (conv-parts, conv-split, conv-ops) share: ResNet-20's 3×3 layer
// shapes, their integer options and random inputs, written once so that they measure the same layers alike.
namespace Sprout.Bench;

internal static class ConvBenchShared
{
    /// <summary>ResNet-20's 3×3 convs: (in, out, stride, input size, how many in the net).</summary>
    public static readonly (int In, int Out, int Stride, int Size, int Count)[] ResNet20Layers =
        [(3, 16, 1, 32, 1), (16, 16, 1, 32, 6), (16, 32, 2, 32, 1), (32, 32, 1, 16, 5), (32, 64, 2, 16, 1), (64, 64, 1, 8, 5)];

    /// <summary>The positive integer after <paramref name="name"/> in <paramref name="args"/>, else <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) && v > 0 ? v : fallback;
    }

    /// <summary><paramref name="n"/> values uniform in [−1, 1) from <paramref name="seed"/>.</summary>
    public static float[] Random(int n, int seed)
    {
        var rng = new System.Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
