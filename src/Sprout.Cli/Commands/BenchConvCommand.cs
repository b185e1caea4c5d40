// BenchConvCommand: `sprout bench conv [--json]`: the conv-net speed of issue 9 in one run: FMA peak, ResNet-20's
// dense 3×3 convs as a fraction of it, and full training steps (forward, backward, SGD, batch 128) of ResNet-20 and
// WRN-22-2 dense and always-sparse (ERK, first layer dense) at densities 1, 0.1, 0.02, dense and sparse timed
// alternately. The measurement is Sprout.Nn.Diagnostics.ConvNetBenchmark; this file parses options and prints.
using System.CommandLine;
using System.Globalization;
using Sprout.Nn;
using Sprout.Nn.Diagnostics;

namespace Sprout.Cli.Commands;

/// <summary>Builds `bench conv`.</summary>
public static class BenchConvCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var defaults = new ConvBenchOptions();
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object: {\"peak_gflops\", \"dense_3x3_fraction_of_peak\", \"results\": [{\"model\", \"density\", \"step_ms\", \"dense_step_ms\", \"speedup\"}]}",
        };
        var models = new Option<string?>("--models") { Description = $"Conv nets [default: {string.Join(",", defaults.Models)}]", HelpName = "NAME,NAME,..." };
        var densities = new Option<string?>("--densities") { Description = "Densities (1 = dense) [default: 1,0.1,0.02]", HelpName = "D,D,..." };
        var steps = new Option<int>("--steps") { Description = "Timed rounds (each times one step of every variant)", HelpName = "N", DefaultValueFactory = _ => defaults.Steps };
        var warmup = new Option<int>("--warmup") { Description = "Untimed rounds first", HelpName = "N", DefaultValueFactory = _ => defaults.WarmupSteps };
        var batch = new Option<int>("--batch-size") { Description = "Images per step", HelpName = "B", DefaultValueFactory = _ => defaults.Batch };
        var convReps = new Option<int>("--conv-reps") { Description = "Repetitions of each 3×3 conv timing", HelpName = "N", DefaultValueFactory = _ => defaults.ConvRepetitions };
        var breakdown = new Option<bool>("--breakdown")
        {
            Description = "Then profile --steps more steps of every variant and print where the time goes, per op (JSON key \"breakdown\")",
        };
        var command = new Command("conv", "Conv nets: FMA peak, dense 3×3 conv fraction of it, ResNet-20/WRN-22-2 training steps dense vs always-sparse")
            { json, models, densities, steps, warmup, batch, convReps, breakdown };
        command.SetAction(parse =>
        {
            var options = defaults with
            {
                Steps = parse.GetValue(steps),
                WarmupSteps = parse.GetValue(warmup),
                Batch = parse.GetValue(batch),
                ConvRepetitions = parse.GetValue(convReps),
                Breakdown = parse.GetValue(breakdown),
            };
            if (parse.GetValue(models) is string m)
                options = options with { Models = m.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => s.ToLowerInvariant()).ToArray() };
            if (parse.GetValue(densities) is string d) options = options with { Densities = ParseDensities(d) };
            if (options.Steps < 1 || options.Steps > 1000) throw new UsageException($"--steps must be between 1 and 1000, got {options.Steps}.");
            if (options.WarmupSteps < 0 || options.WarmupSteps > 100) throw new UsageException($"--warmup must be between 0 and 100, got {options.WarmupSteps}.");
            if (options.Batch < 1 || options.Batch > 4096) throw new UsageException($"--batch-size must be between 1 and 4096, got {options.Batch}.");
            if (options.ConvRepetitions < 1 || options.ConvRepetitions > 100) throw new UsageException($"--conv-reps must be between 1 and 100, got {options.ConvRepetitions}.");
            foreach (string name in options.Models)
                if (!ConvModels.IsConvModel(name)) throw new UsageException($"--models: unknown conv net '{name}'; valid: {ConvModels.Names}.");

            bool asJson = parse.GetValue(json);
            var report = ConvNetBenchmark.Run(options, asJson ? null : line => context.Error.WriteLine(line));
            if (asJson)
            {
                context.Output.WriteLine(report.ToJson());
                return ExitCodes.Ok;
            }
            var ci = CultureInfo.InvariantCulture;
            context.Output.WriteLine(string.Create(ci, $"FMA peak {report.PeakGflops:0.0} GFLOP/s ({report.Threads} threads); load average {report.LoadBefore} before, {report.LoadAfter} after"));
            context.Output.WriteLine(string.Create(ci, $"dense 3×3 convs of ResNet-20, forward + backward, batch {options.Batch}: {100 * report.Dense3x3FractionOfPeak:0.0}% of peak"));
            context.Output.WriteLine($"training step (forward, backward, SGD), batch {options.Batch}, median of {options.Steps}; sparse = CSR, ERK, first layer dense");
            context.Output.WriteLine("model        density     nnz        step ms   dense ms   speedup   memory MB  dense MB");
            foreach (var r in report.Results)
                context.Output.WriteLine(string.Create(ci, $"{r.Model,-12} {r.Density,7:0.###} {r.Nnz,11:N0} {r.StepMs,10:0.0} {r.DenseStepMs,10:0.0} {r.Speedup,8:0.00}x {r.MemoryMb,10:0.0} {r.DenseMemoryMb,9:0.0}"));
            if (report.Breakdown is { } rows) PrintBreakdown(context, rows);
            return ExitCodes.Ok;
        });
        return command;
    }

    // One column per variant, one row per op (in first-seen order over all variants), ms per step.
    private static void PrintBreakdown(CliContext context, IReadOnlyList<ConvStepBreakdown> rows)
    {
        var ci = CultureInfo.InvariantCulture;
        var ops = rows.SelectMany(r => r.Ops.Select(o => o.Op)).Distinct().ToArray();
        context.Output.WriteLine("per-op time of a profiled step, ms (exclusive; forward = time since the previous op recorded)");
        context.Output.WriteLine($"{"op",-28}" + string.Concat(rows.Select(r => string.Create(ci, $" {r.Model + "@" + r.Density.ToString("0.###", ci),14}"))));
        foreach (string op in ops)
            context.Output.WriteLine($"{op,-28}" + string.Concat(rows.Select(r =>
                r.Ops.FirstOrDefault(o => o.Op == op) is { } o ? string.Create(ci, $" {o.Ms,14:0.00}") : $" {"",14}")));
        context.Output.WriteLine($"{"sum of rows",-28}" + string.Concat(rows.Select(r => string.Create(ci, $" {r.Ops.Sum(o => o.Ms),14:0.00}"))));
        context.Output.WriteLine($"{"profiled step",-28}" + string.Concat(rows.Select(r => string.Create(ci, $" {r.StepMs,14:0.00}"))));
    }

    private static double[] ParseDensities(string text) =>
        Array.ConvertAll(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), part =>
            double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d is > 0 and <= 1
                ? d
                : throw new UsageException($"--densities must be numbers in (0, 1], e.g. 1,0.1,0.02; got '{part}'."));
}
