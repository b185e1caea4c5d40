// LoaderBench: how long the DataLoader takes to fill one epoch of batches of a real dataset (shuffled, with the CIFAR
// crop+flip when the dataset is CIFAR), the test split in order, and the dataset load itself; plus a hash of every
// batch of the first two epochs, so two builds can be checked to feed a model bit-identical batches.
// `-- loader [--data cifar10] [--epochs 3] [--batch 128]`; needs the data directory (SPROUT_DATA).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Sprout.Data;

namespace Sprout.Bench;

internal static class LoaderBench
{
    public static void Run(string[] args)
    {
        int d = Array.IndexOf(args, "--data");
        string name = d >= 0 && d + 1 < args.Length ? args[d + 1] : "cifar10";
        int epochs = BenchCommon.Option(args, "--epochs", 3), batch = BenchCommon.Option(args, "--batch", 128);
        long t0 = Stopwatch.GetTimestamp();
        var splits = DatasetRegistry.Load(name, new DataOptions { Normalization = NormalizationMode.Published });
        double loadMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        bool cifar = DatasetRegistry.Canonicalize(name) is "cifar10" or "cifar100";
        var train = new DataLoader(splits.Train, new DataLoaderOptions { BatchSize = batch, Shuffle = true, Seed = 7, Augmentation = cifar ? Augmentation.Cifar : null });
        var test = new DataLoader(splits.Test, new DataLoaderOptions { BatchSize = batch, Shuffle = false });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: load {loadMs:F0} ms, managed heap after load {heap / 1048576.0:F0} MiB"));
        Console.WriteLine($"hash train epoch 0 {Hash(train, 0):x16}, epoch 1 {Hash(train, 1):x16}, test {Hash(test, 0):x16}");
        var trainMs = new List<double>();
        var testMs = new List<double>();
        for (int e = 0; e < epochs; e++)
        {
            trainMs.Add(BenchCommon.Time(() => Drain(train, e)));
            testMs.Add(BenchCommon.Time(() => Drain(test, 0)));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train epoch ({train.BatchesPerEpoch} batches of {batch}{(cifar ? ", crop+flip" : "")}): median {BenchCommon.Median(trainMs):F1} ms [{string.Join(", ", trainMs.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))}]"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test pass ({test.BatchesPerEpoch} batches): median {BenchCommon.Median(testMs):F1} ms [{string.Join(", ", testMs.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))}]"));
    }

    private static void Drain(DataLoader loader, int epoch)
    {
        loader.StartEpoch(epoch);
        while (loader.MoveNext()) { }
    }

    // FNV-1a over every input float's bits and every label, batch by batch.
    private static ulong Hash(DataLoader loader, int epoch)
    {
        ulong h = 14695981039346656037UL;
        loader.StartEpoch(epoch);
        while (loader.MoveNext())
        {
            foreach (uint v in MemoryMarshal.Cast<float, uint>(loader.Inputs.Data)) h = (h ^ v) * 1099511628211UL;
            foreach (int label in loader.Labels) h = (h ^ (uint)label) * 1099511628211UL;
        }
        return h;
    }
}
