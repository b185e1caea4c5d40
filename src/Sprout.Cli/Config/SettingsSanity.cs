// SettingsSanity: checks on settings that are each valid alone but make no sense, or cannot fit, together — run
// before any data is read or any model is built (issue 11, defects 3 and 9). The memory estimate comes from the
// model spec (an MLP's layer sizes and the dataset's input size), so `--model mlp:999999999` is refused in
// milliseconds instead of after allocating gigabytes. Model kinds this file does not know are not estimated.
using System.Globalization;
using Sprout.Cli.Models;
using Sprout.Sparse.Allocation;

namespace Sprout.Cli.Config;

/// <summary>Cross-setting sanity checks and a memory estimate from the model spec.</summary>
public static class SettingsSanity
{
    /// <summary>Fraction of the memory the runtime may use that a run may plan to take.</summary>
    public const double MemoryFraction = 0.8;

    /// <summary>Input features and classes of each built-in dataset (what a model spec is built against).</summary>
    private static (int Inputs, int Classes)? DatasetShape(string data) => Sprout.Data.DatasetRegistry.IsKnown(data) ? Sprout.Data.DatasetRegistry.Canonicalize(data) switch
    {
        "mnist" or "fashion-mnist" => (784, 10),
        "cifar10" => (3072, 10),
        "cifar100" => (3072, 100),
        "digits" => (64, 10),
        _ => null,
    } : null;

    /// <summary>Refuses settings that contradict each other or a model that cannot fit in memory.</summary>
    /// <exception cref="UsageException">What is wrong and how to fix it, in one line.</exception>
    public static void Check(TrainSettings s) => Check(s, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary><see cref="Check(TrainSettings)"/> against an explicit memory budget in bytes (for tests).</summary>
    public static void Check(TrainSettings s, long availableBytes)
    {
        var spec = ModelSpec.Parse(s.Model);
        if (s.Model.TrimEnd().EndsWith(':') && spec.Arguments.Length == 0)
            throw new UsageException($"Bad model spec '{s.Model}': nothing after the colon; give the sizes (e.g. {ExampleOf(spec.Kind)}){(HasDefault(spec.Kind) ? $" or write {spec.Kind} alone for the default" : "")}.");
        if (s.Augment && DatasetShape(s.Data) is (784 or 64, _))
            throw new UsageException($"--augment (random crop and horizontal flip) is for CIFAR images; on {s.Data} a flip changes what the image shows. Remove --augment.");
        if (s.Optimizer != "sgd" && s.Momentum != new TrainSettings().Momentum)
            throw new UsageException($"--momentum applies to --optimizer sgd only; {s.Optimizer} keeps its own moment estimates (β1 = 0.9). Remove --momentum or use --optimizer sgd.");

        if (DatasetShape(s.Data) is not var (inputs, classes)) return;
        int[]? hidden = spec.Kind switch
        {
            "mlp" => spec.Arguments.Length == 0 ? [300, 100] : spec.PositiveInts("mlp:300,100"),
            "linear" => [],
            _ => null,
        };
        if (hidden is null) return;
        int[] widths = [inputs, .. hidden, classes];
        CheckMemory(s, widths, availableBytes);
        if (s.Method != "dense") CheckDensity(s, widths);
    }

    private static string ExampleOf(string kind) =>
        ModelRegistry.Entries.FirstOrDefault(e => e.Accepts(kind)) is { } entry && entry.Example.Contains(':', StringComparison.Ordinal) ? entry.Example : $"{kind}:300,100";

    private static bool HasDefault(string kind)
    {
        try
        {
            ModelRegistry.Validate(kind); // a recording build: no weights
            return true;
        }
        catch (UsageException)
        {
            return false;
        }
    }

    private static void CheckMemory(TrainSettings s, int[] widths, long availableBytes)
    {
        long parameters = 0, activations = 0;
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            long weights = (long)widths[i] * widths[i + 1];
            if (weights > Array.MaxLength)
                throw new UsageException($"--model {s.Model}: layer {i + 1} would have {weights:N0} weights ({widths[i]}×{widths[i + 1]}), more than one array can hold; use smaller layers.");
            parameters += weights + widths[i + 1];
            activations += widths[i + 1];
        }
        // Weights and gradients, plus optimizer slots (SGD momentum: 1, Adam: 2); activations and their gradients
        // for a training batch, a few buffers each (evaluation reuses them).
        int slots = s.Optimizer == "sgd" ? (s.Momentum > 0 ? 1 : 0) : 2;
        long perSample = 4 * (activations + widths[0]);
        double bytes = 4.0 * parameters * (2 + slots) + perSample * 4.0 * s.BatchSize;
        if (bytes > MemoryFraction * availableBytes)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--model {s.Model} with --batch-size {s.BatchSize} needs about {Gb(bytes)} ({parameters:N0} parameters) but Sprout may use {Gb(availableBytes)} here; use smaller layers or a smaller batch."));
    }

    private static void CheckDensity(TrainSettings s, int[] widths)
    {
        var shapes = new LayerShape[widths.Length - 1];
        for (int i = 0; i < shapes.Length; i++)
            shapes[i] = new LayerShape((1 + 2 * i).ToString(CultureInfo.InvariantCulture), widths[i + 1], widths[i]);
        var distribution = s.Distribution switch { "uniform" => DensityDistribution.Uniform, "er" => DensityDistribution.ErdosRenyi, _ => DensityDistribution.ErdosRenyiKernel };
        double[] densities;
        try
        {
            densities = DensityAllocation.Allocate(shapes, new DensityAllocationOptions(s.Density, distribution) { DenseFirstLayer = s.DenseFirstLayer, DenseLastLayer = s.DenseLastLayer });
        }
        catch (ArgumentException)
        {
            return; // the method's own validation reports densities it cannot allocate
        }
        // Every class needs a connection into the output layer, or its logit never depends on the input.
        var output = shapes[^1];
        double expected = densities[^1] * output.Rows * output.Cols;
        if (expected < output.Rows)
        {
            double needed = s.Density * output.Rows / Math.Max(expected, 1e-300);
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--density {s.Density:G3} leaves the output layer about {expected:G3} connections for {output.Rows} classes, so some classes could never be predicted; use --density {Math.Min(1, needed):G2} or more."));
        }
    }

    private static string Gb(double bytes) => (bytes / 1e9).ToString(bytes < 1e8 ? "0.000" : "0.0", CultureInfo.InvariantCulture) + " GB";
}
