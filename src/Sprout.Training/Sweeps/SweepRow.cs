// SweepRow: one config's aggregate over seeds, as it appears in the markdown table.
namespace Sprout.Training.Sweeps;

/// <summary>Mean and sample standard deviation over seeds of one config's runs.</summary>
/// <remarks>PeakMemoryMb is the largest peak over the seeds (NaN when no run recorded one). MissingSeeds are the sweep's seeds
/// without a finished run (a table built from the runs finished so far); Seeds counts the others.</remarks>
public sealed record SweepRow(string Config, int Seeds, double ErrorMean, double ErrorStd, double EpochSecondsMean, double EpochSecondsStd, double RelativeFlopsMean,
    double PeakMemoryMb = double.NaN)
{
    /// <summary>Seeds of the sweep that have no finished run in this row.</summary>
    public IReadOnlyList<ulong> MissingSeeds { get; init; } = [];

    /// <summary>A row none of whose seeds has finished.</summary>
    public static SweepRow NotRun(string config, IReadOnlyList<ulong> missing) =>
        new(config, 0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN) { MissingSeeds = missing };

    /// <summary>Aggregates <paramref name="runs"/> of config <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">No runs.</exception>
    public static SweepRow From(string config, IReadOnlyList<RunResult> runs)
    {
        if (runs.Count == 0) throw new ArgumentException($"Config '{config}' has no runs to aggregate.", nameof(runs));
        var (em, es) = MeanStd(runs.Select(r => r.TestError));
        var (tm, ts) = MeanStd(runs.Select(r => r.EpochSeconds));
        double rel = runs.Average(r => r.DenseTrainingFlops > 0 ? r.TrainingFlops / r.DenseTrainingFlops : double.NaN);
        var peaks = runs.Select(r => r.PeakMemoryMb).Where(double.IsFinite).ToArray();
        return new SweepRow(config, runs.Count, em, es, tm, ts, rel, peaks.Length == 0 ? double.NaN : peaks.Max());
    }

    /// <summary>Mean and sample standard deviation (0 for a single value).</summary>
    public static (double Mean, double Std) MeanStd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double mean = v.Average();
        double var = v.Length > 1 ? v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1) : 0;
        return (mean, Math.Sqrt(var));
    }
}
