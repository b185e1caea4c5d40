// SweepPoint: one method's point on the sweep plot: mean training FLOPs relative to dense and test accuracy
// (mean ± sample std) over the runs of the sweep that share method and density.
namespace Sprout.Reporting.Report;

/// <summary>Aggregated runs of one method in a sweep.</summary>
public sealed record SweepPoint(string Label, int Runs, double RelativeFlops, double AccuracyMean, double AccuracyStd)
{
    /// <summary>Groups finished runs by method and density (runs without summary.json are left out).</summary>
    public static IReadOnlyList<SweepPoint> From(IEnumerable<RunData> runs) =>
        [.. runs.Where(r => r.Summary is not null)
            .GroupBy(r => $"{r.Method} d={Value(r, "density"):0.###}")
            .Select(g =>
            {
                double[] acc = [.. g.Select(r => Value(r, "test_accuracy"))];
                double mean = acc.Average();
                double std = acc.Length > 1 ? Math.Sqrt(acc.Sum(a => (a - mean) * (a - mean)) / (acc.Length - 1)) : 0;
                return new SweepPoint(g.Key, acc.Length, g.Average(Flops), mean, std);
            })
            .OrderBy(p => p.RelativeFlops)];

    // A dense run has no "sparsity" block: it does all of the dense work.
    private static double Flops(RunData r) =>
        r.Summary?["sparsity"]?["train_flops_relative_to_dense"]?.GetValue<double>() ?? 1.0;

    private static double Value(RunData r, string key) => r.Summary?[key]?.GetValue<double>() ?? double.NaN;
}
