// ReportCommand: `sprout report RUN... [--out FILE]`: one self-contained HTML page (plots inline as SVG) of one or
// more run folders, or of a sweep's runs folder (adding accuracy against training FLOPs per method). One run's
// report goes into its folder by default; several runs' into ./report.html.
using System.CommandLine;
using Sprout.Reporting.Report;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `report` command.</summary>
public static class ReportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("report", "Write an HTML report (loss/accuracy, LR, per-layer density, topology churn, input heat-maps, sweep plot) of runs.");
        var runs = new Argument<string[]>("RUN") { Description = "Run folders (runs/<name>) or a sweep's runs folder", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "Output file (default: RUN/report.html for one run, ./report.html otherwise)", HelpName = "FILE" };
        command.Add(runs);
        command.Add(output);
        command.SetAction(parse =>
        {
            string[] paths = parse.GetValue(runs)!;
            ReportInputs inputs;
            try
            {
                inputs = ReportInputs.Read(paths);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message, e);
            }
            string target = parse.GetValue(output)
                ?? (paths.Length == 1 && RunData.IsRun(paths[0]) ? Path.Combine(paths[0], HtmlReport.FileName) : HtmlReport.FileName);
            if (Directory.Exists(target)) throw new UsageException($"--out {target} is a folder; name a file such as {Path.Combine(target, HtmlReport.FileName)}.");
            string? folder = Path.GetDirectoryName(Path.GetFullPath(target));
            if (folder is not null && !Directory.Exists(folder)) throw new UsageException($"The folder of --out {target} does not exist; create it first.");
            HtmlReport.Write(target, inputs.Runs, inputs.Sweep);
            context.Output.WriteLine($"report: {Path.GetFullPath(target)} ({inputs.Runs.Count} run{(inputs.Runs.Count == 1 ? "" : "s")}" +
                (inputs.Sweep.Count > 0 ? $", {inputs.Sweep.Count} sweep points)" : ")"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
