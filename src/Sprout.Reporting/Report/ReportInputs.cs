// ReportInputs: turns the folders named on `sprout report`'s command line into runs: a run folder is one run; a
// folder whose subfolders are runs (a sweep's --runs folder) contributes all of them and the sweep plot.
namespace Sprout.Reporting.Report;

/// <summary>The runs (and sweep points) a report covers.</summary>
public sealed record ReportInputs(IReadOnlyList<RunData> Runs, IReadOnlyList<SweepPoint> Sweep)
{
    /// <summary>Reads every folder.</summary>
    /// <exception cref="InvalidDataException">A path is neither a run folder nor a folder of runs.</exception>
    public static ReportInputs Read(IEnumerable<string> paths)
    {
        var runs = new List<RunData>();
        var sweepRuns = new List<RunData>();
        foreach (string path in paths)
        {
            if (RunData.IsRun(path))
            {
                runs.Add(RunData.Load(path));
                continue;
            }
            var children = Directory.Exists(path)
                ? Directory.GetDirectories(path).Where(RunData.IsRun).Order(StringComparer.Ordinal).ToList()
                : [];
            if (children.Count == 0)
                throw new InvalidDataException(Directory.Exists(path)
                    ? $"{path} holds no run (no metrics.jsonl in it or in its subfolders); pass runs/<name> or a sweep's runs folder."
                    : $"{path} does not exist; pass a run folder such as runs/<name>.");
            var loaded = children.Select(RunData.Load).ToList();
            runs.AddRange(loaded);
            sweepRuns.AddRange(loaded);
        }
        return new ReportInputs(runs, sweepRuns.Count > 0 ? SweepPoint.From(sweepRuns) : []);
    }
}
