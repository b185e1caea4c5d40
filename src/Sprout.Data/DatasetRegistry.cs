// DatasetRegistry: the datasets Sprout knows by name and how to read each one's train and test splits from a
// data directory laid out as shared/data is (<dir>/mnist/train-images-idx3-ubyte.gz, <dir>/cifar-10/..., raw or
// .gz). It is the only place that maps names to files; the readers know formats, not layouts.
//
// digits: the 8x8 digits file ships embedded in this assembly, so `digits` works with no data directory.
// A copy at <data dir>/digits/digits.csv[.gz] is used instead when present (it is the same file; this only lets
// someone substitute their own). digits has no official split, so the registry splits it once, stratified:
// 20% of each class (rounded half away from zero) chosen with seed DigitsSplitSeed → 1438 train, 359 test.
using System.Reflection;
using Sprout.Data.Formats;

namespace Sprout.Data;

/// <summary>Loads the known datasets by name: mnist, fashion-mnist, cifar10, cifar100, digits.</summary>
public static class DatasetRegistry
{
    /// <summary>Seed of the fixed digits train/test split (documented so results are comparable).</summary>
    public const ulong DigitsSplitSeed = 1797;

    /// <summary>Fraction of each digits class held out as the test split.</summary>
    public const double DigitsTestFraction = 0.2;

    /// <summary>Name of the embedded digits resource.</summary>
    internal const string DigitsResource = "Sprout.Data.digits.csv.gz";

    private static readonly IReadOnlyList<string> FashionMnistClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The canonical dataset names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mnist", "fashion-mnist", "cifar10", "cifar100", "digits"];

    /// <summary>Canonical name for <paramref name="name"/> (case-insensitive; accepts "cifar-10", "fashion_mnist", …).</summary>
    /// <exception cref="DataException">The name is not known; the message lists the known names.</exception>
    public static string Canonicalize(string name) =>
        TryCanonicalize(name) ?? throw new DataException($"unknown dataset '{name}'; known datasets: {string.Join(", ", Names)}");

    /// <summary>True when <paramref name="name"/> (or an alias of it) is a known dataset.</summary>
    public static bool IsKnown(string name) => TryCanonicalize(name) is not null;

    /// <summary>
    /// The sample shape and class count of dataset <paramref name="name"/>, known without reading it (what a model is
    /// built for): 1×28×28 and 10 for MNIST/Fashion-MNIST, 3×32×32 and 10/100 for CIFAR, 1×8×8 and 10 for digits.
    /// </summary>
    /// <exception cref="DataException">The name is not known.</exception>
    public static (ImageShape Shape, int Classes) ShapeOf(string name) => Canonicalize(name) switch
    {
        "mnist" or "fashion-mnist" => (new ImageShape(1, 28, 28), 10),
        "cifar10" => (new ImageShape(3, 32, 32), 10),
        "cifar100" => (new ImageShape(3, 32, 32), 100),
        _ => (new ImageShape(1, 8, 8), 10),
    };

    /// <summary>The directories under the data directory that may hold a dataset's files, in the order tried.</summary>
    public static IReadOnlyList<string> FolderNames(string name) => Canonicalize(name) switch
    {
        "mnist" => ["mnist"],
        "fashion-mnist" => ["fashion-mnist", "fashion_mnist"],
        "cifar10" => ["cifar-10", "cifar-10-batches-bin", "cifar10"],
        "cifar100" => ["cifar-100", "cifar-100-binary", "cifar100"],
        _ => ["digits"],
    };

    /// <summary>
    /// True when the dataset can be loaded without a download: its files are all present (digits: always).
    /// Only checks that the files exist; it does not read them.
    /// </summary>
    public static bool IsAvailable(string name, string? dataDirectory = null)
    {
        string key = Canonicalize(name);
        if (key == "digits") return true;
        string? root = DataDirectory.Resolve(dataDirectory);
        if (root is null) return false;
        string? folder = FindFolder(root, key);
        return folder is not null && RequiredFiles(key).All(names => DataFile.Find(folder, names) is not null);
    }

    /// <summary>
    /// Reads the train and test splits of dataset <paramref name="name"/>, pixels scaled to [0, 1] and then
    /// standardized as <see cref="DataOptions.Normalization"/> says.
    /// </summary>
    /// <exception cref="DataException">Unknown name, missing files (the message says where it looked and how to fix it), or corrupt files.</exception>
    public static DatasetSplits Load(string name, DataOptions? options = null)
    {
        options ??= new DataOptions();
        string key = Canonicalize(name);
        string? root = DataDirectory.Resolve(options.DataDirectory);
        DatasetSplits splits = key == "digits" ? LoadDigits(root) : LoadFromFiles(key, root, options);
        if (key != "digits" && options.RequireOfficialCounts)
        {
            CheckCount(splits.Train, key, "training", splits.Source, key is "mnist" or "fashion-mnist" ? 60_000 : 50_000);
            CheckCount(splits.Test, key, "test", splits.Source, 10_000);
        }
        return splits with { Normalization = Normalize(key, splits, options.Normalization) };
    }

    /// <summary>Reads the embedded copy of the 8x8 digits (all 1797 records, unsplit).</summary>
    public static Dataset ReadEmbeddedDigits()
    {
        using Stream resource = Assembly.GetExecutingAssembly().GetManifestResourceStream(DigitsResource)
            ?? throw new InvalidOperationException($"The embedded resource {DigitsResource} is missing from the Sprout.Data assembly.");
        using var gzip = new System.IO.Compression.GZipStream(resource, System.IO.Compression.CompressionMode.Decompress);
        return DigitsCsvReader.Read(gzip, "embedded digits.csv.gz");
    }

    private static DatasetSplits LoadDigits(string? root)
    {
        string? folder = root is null ? null : FindFolder(root, "digits");
        string? path = folder is null ? null : DataFile.Find(folder, "digits.csv");
        Dataset all = path is null ? ReadEmbeddedDigits() : DigitsCsvReader.Read(path);
        (Dataset train, Dataset test) = all.Split(DigitsTestFraction, DigitsSplitSeed);
        return new DatasetSplits(train, test, path ?? "embedded");
    }

    private static DatasetSplits LoadFromFiles(string key, string? root, DataOptions options)
    {
        if (root is null)
            throw new DataException($"{key}: {DataDirectory.DescribeSource(null)}; {DataException.FixHint(key)}");
        string? folder = FindFolder(root, key);
        if (folder is null)
        {
            string tried = string.Join(" or ", FolderNames(key).Select(f => Path.Combine(root, f)));
            throw new DataException($"{key}: no folder {tried} (data dir {DataDirectory.DescribeSource(options.DataDirectory)}); {DataException.FixHint(key)}", root);
        }
        string Require(string[] names)
        {
            return DataFile.Find(folder, names) ?? throw new DataException(
                $"{key}: missing {names[0]} (or {names[0]}.gz) in {folder} (data dir {DataDirectory.DescribeSource(options.DataDirectory)}); {DataException.FixHint(key)}",
                Path.Combine(folder, names[0]));
        }
        string[][] required = RequiredFiles(key);
        string[] paths = required.Select(Require).ToArray();

        switch (key)
        {
            case "mnist":
            case "fashion-mnist":
            {
                IReadOnlyList<string>? names = key == "fashion-mnist" ? FashionMnistClassNames : DigitsCsvReader.DigitNames;
                Dataset train = IdxReader.ReadDataset(key, paths[0], paths[1], 10, names);
                Dataset test = IdxReader.ReadDataset(key, paths[2], paths[3], 10, names);
                CheckShape(train, paths[0], new ImageShape(1, 28, 28));
                CheckShape(test, paths[2], new ImageShape(1, 28, 28));
                return new DatasetSplits(train, test, folder);
            }
            case "cifar10":
            {
                string? meta = DataFile.Find(folder, "batches.meta.txt");
                IReadOnlyList<string> names = meta is null ? CifarReader.Cifar10ClassNames : CifarReader.ReadClassNames(meta, 10);
                Dataset train = CifarReader.ReadCifar10(paths[..5], names, key);
                Dataset test = CifarReader.ReadCifar10([paths[5]], names, key);
                return new DatasetSplits(train, test, folder);
            }
            default:
            {
                string namesFile = options.CoarseLabels ? "coarse_label_names.txt" : "fine_label_names.txt";
                string? meta = DataFile.Find(folder, namesFile);
                IReadOnlyList<string>? names = meta is null ? null : CifarReader.ReadClassNames(meta, options.CoarseLabels ? 20 : 100);
                Dataset train = CifarReader.ReadCifar100(paths[0], options.CoarseLabels, names, key);
                Dataset test = CifarReader.ReadCifar100(paths[1], options.CoarseLabels, names, key);
                return new DatasetSplits(train, test, folder);
            }
        }
    }

    /// <summary>For each required file, the accepted names (each also tried with .gz), in load order.</summary>
    private static string[][] RequiredFiles(string key) => key switch
    {
        "mnist" or "fashion-mnist" =>
        [
            ["train-images-idx3-ubyte", "train-images.idx3-ubyte"],
            ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"],
            ["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"],
            ["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"],
        ],
        "cifar10" =>
        [
            ["data_batch_1.bin"], ["data_batch_2.bin"], ["data_batch_3.bin"], ["data_batch_4.bin"], ["data_batch_5.bin"],
            ["test_batch.bin"],
        ],
        "cifar100" => [["train.bin"], ["test.bin"]],
        _ => [["digits.csv"]],
    };

    private static string? TryCanonicalize(string? name) => (name ?? "").Trim().ToLowerInvariant().Replace('_', '-') switch
    {
        "mnist" => "mnist",
        "fashion-mnist" or "fashionmnist" or "fmnist" => "fashion-mnist",
        "cifar10" or "cifar-10" => "cifar10",
        "cifar100" or "cifar-100" => "cifar100",
        "digits" => "digits",
        _ => null,
    };

    private static string? FindFolder(string root, string key)
    {
        foreach (string folder in FolderNames(key))
        {
            string path = Path.Combine(root, folder);
            if (Directory.Exists(path)) return path;
        }
        return null;
    }

    private static void CheckCount(Dataset dataset, string key, string split, string folder, int expected)
    {
        if (dataset.Count != expected)
            throw new DataException($"{folder}: the {key} {split} files hold {dataset.Count} samples, not the official {expected}; a file has extra or missing records, delete the folder and download it again", folder);
    }

    private static void CheckShape(Dataset dataset, string path, ImageShape expected)
    {
        if (dataset.ImageShape != expected)
            throw new DataException(
                $"{path}: wrong dimensions: images are {dataset.ImageShape.Height}x{dataset.ImageShape.Width}, {dataset.Name} images are {expected.Height}x{expected.Width}; the file belongs to another dataset",
                path);
    }

    private static ChannelNormalization? Normalize(string key, DatasetSplits splits, NormalizationMode mode)
    {
        if (mode == NormalizationMode.None) return null;
        ChannelNormalization normalization = (mode == NormalizationMode.Published ? ChannelNormalization.ForDataset(key) : null)
            ?? ChannelNormalization.Compute(splits.Train);
        splits.Train.Normalize(normalization);
        splits.Test.Normalize(normalization);
        return normalization;
    }
}
