// RunSummary: what summary.json records about a finished (or stopped) run. The field names are the
// stable contract other tools and the benchmark tables read; the resolved configuration is attached
// verbatim under "config" so a run can be reproduced from its summary alone.
using System.Text.Json.Nodes;

namespace Sprout.Training.Runs;

/// <summary>The contents of a run's summary.json.</summary>
public sealed record RunSummary
{
    /// <summary>Dataset name, e.g. "mnist".</summary>
    public required string Dataset { get; init; }

    /// <summary>Model spec, e.g. "mlp:300,100".</summary>
    public required string Model { get; init; }

    /// <summary>Training method, e.g. "dense".</summary>
    public required string Method { get; init; }

    /// <summary>Target density of the sparse layers (1 for dense).</summary>
    public required double Density { get; init; }

    /// <summary>Epochs completed.</summary>
    public required int Epochs { get; init; }

    /// <summary>Final test accuracy (fraction).</summary>
    public required double TestAccuracy { get; init; }

    /// <summary>Final test loss.</summary>
    public required double TestLoss { get; init; }

    /// <summary>Best test accuracy seen after any epoch.</summary>
    public required double BestTestAccuracy { get; init; }

    /// <summary>Epoch that reached <see cref="BestTestAccuracy"/>.</summary>
    public required int BestEpoch { get; init; }

    /// <summary>Sum of the epochs' training-pass seconds.</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Median training-pass seconds per epoch.</summary>
    public required double EpochSecondsMedian { get; init; }

    /// <summary>Number of parameter values.</summary>
    public required long ParamsTotal { get; init; }

    /// <summary>Number of parameter values that are not zero.</summary>
    public required long ParamsNonzero { get; init; }

    /// <summary>Seed the run was started with.</summary>
    public required ulong Seed { get; init; }

    /// <summary>Sprout version that produced the run.</summary>
    public required string Version { get; init; }

    /// <summary>"completed", "stopped" (at --stop-after), "non_finite_loss" or "cancelled".</summary>
    public string Status { get; init; } = "completed";

    /// <summary>The resolved configuration (all keys, after defaults, file and flags).</summary>
    public JsonObject? Config { get; init; }

    /// <summary>Sparse methods: per-layer density and nnz, topology updates, training FLOPs relative to dense; null for dense.</summary>
    public JsonObject? Sparsity { get; init; }

    /// <summary>Number of data-parallel ranks that trained the model (1 without mpirun).</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Data-parallel runs: bytes all-reduced per step, reduction time, agreement checks; null on one process.</summary>
    public JsonObject? Distributed { get; init; }

    /// <summary>
    /// Peak resident memory of the training process in MiB (Linux VmHWM, as `/usr/bin/time -f %M`; <see cref="ProcessPeakMemory"/>),
    /// counted from the start of this run (a sweep's later runs do not inherit earlier runs' peaks) until summary.json is
    /// written (report.html comes after); a resumed run keeps the larger of its processes' peaks.
    /// </summary>
    public double? PeakMemoryMb { get; init; }

    /// <summary>Training recipe (ToST): components, switch step, LRsI scales, ghost parameters and multiply-adds; null without one.</summary>
    public JsonObject? Recipe { get; init; }

    /// <summary>Median of a list of values (0 for an empty list).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    // JSON has no NaN: a run stopped before any evaluation reports null.
    private static JsonNode? Finite(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    /// <summary>The summary as a JSON object with snake_case keys.</summary>
    public JsonObject ToJson() => new()
    {
        ["dataset"] = Dataset,
        ["model"] = Model,
        ["method"] = Method,
        ["density"] = Density,
        ["epochs"] = Epochs,
        ["test_accuracy"] = Finite(TestAccuracy),
        ["test_loss"] = Finite(TestLoss),
        ["best_test_accuracy"] = Finite(BestTestAccuracy),
        ["best_epoch"] = BestEpoch,
        ["train_seconds"] = Math.Round(TrainSeconds, 4),
        ["epoch_seconds_median"] = Math.Round(EpochSecondsMedian, 4),
        ["peak_memory_mb"] = PeakMemoryMb is double peak ? Math.Round(peak, 1) : null,
        ["params_total"] = ParamsTotal,
        ["params_nonzero"] = ParamsNonzero,
        ["seed"] = Seed,
        ["version"] = Version,
        ["status"] = Status,
        ["config"] = Config?.DeepClone(),
        ["sparsity"] = Sparsity?.DeepClone(),
        ["world_size"] = WorldSize,
        ["distributed"] = Distributed?.DeepClone(),
        ["recipe"] = Recipe?.DeepClone(),
    };
}
