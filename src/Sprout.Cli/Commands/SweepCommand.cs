// SweepCommand: `sprout sweep`, a thin wrapper over Sprout.Training.Sweeps.Sweep: every --config file is trained
// once per seed (sequentially, through the same TrainRunner as `sprout train`, into runs/sweep-<config>-s<seed>),
// each run's summary.json is read back, and the mean ± std table is written to --out (e.g. docs/RESULTS.md).
// Training FLOPs relative to dense are approximated by params_nonzero / params_total (exact for the always-sparse
// layers' products, ignoring topology-update cost) until the trainer counts FLOPs itself.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sprout.Cli.Config;
using Sprout.Training.Sweeps;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `sweep` command.</summary>
public static class SweepCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("sweep", "Train each --config for every seed and write a markdown table (mean ± std test error, s/epoch, FLOPs vs dense).");
        var configs = new Option<string[]>("--config") { Description = "YAML config (repeatable); the row is named after the file", HelpName = "FILE", Required = true, AllowMultipleArgumentsPerToken = true };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds", HelpName = "S,S,...", DefaultValueFactory = _ => "0,1,2" };
        var epochs = new Option<int?>("--epochs") { Description = "Override every config's epochs (quick checks)", HelpName = "N" };
        var output = new Option<string?>("--out") { Description = "Markdown file to write (default: print only)", HelpName = "FILE" };
        command.Add(configs);
        command.Add(seeds);
        command.Add(epochs);
        command.Add(output);
        command.SetAction((parse, cancellation) =>
        {
            var files = parse.GetValue(configs) ?? [];
            var seedList = ParseSeeds(parse.GetValue(seeds) ?? "0,1,2");
            int? epochOverride = parse.GetValue(epochs);
            var sweep = new Sweep<string>(files, f => Path.GetFileNameWithoutExtension(f), seedList);
            var rows = sweep.Run((file, seed) => RunOne(context, file, seed, epochOverride, cancellation),
                (name, seed, r) => context.Output.WriteLine($"{name} seed {seed}: test error {100 * r.TestError:F2}%, {r.EpochSeconds:F2} s/epoch"));
            string markdown = Sweep<string>.ToMarkdown(rows, "sprout " + string.Join(' ', context.Arguments));
            context.Output.Write(markdown);
            string? path = parse.GetValue(output);
            if (path is not null) File.WriteAllText(path, markdown);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static RunResult RunOne(CliContext context, string file, ulong seed, int? epochs, CancellationToken cancellation)
    {
        var s = new TrainSettings();
        ConfigFile.Apply(file, s);
        s.Seed = seed;
        if (epochs is int e) s.Epochs = e;
        s.Name = $"sweep-{Path.GetFileNameWithoutExtension(file)}-s{seed}";
        s.Overwrite = true;
        s.Plain = true;
        int code = new TrainRunner(context).Run(s, null, cancellation);
        if (code != ExitCodes.Ok) throw new UsageException($"Sweep run {s.Name} ({file}) exited with code {code}; see runs/{s.Name}/train.log.");
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine("runs", s.Name, "summary.json")));
        var root = doc.RootElement;
        double total = root.GetProperty("params_total").GetDouble();
        return new RunResult(1 - root.GetProperty("test_accuracy").GetDouble(), root.GetProperty("epoch_seconds_median").GetDouble(),
            root.GetProperty("params_nonzero").GetDouble(), total);
    }

    private static ulong[] ParseSeeds(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => ulong.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new UsageException($"--seeds '{text}' is not a comma-separated list of non-negative integers (e.g. 0,1,2).");
        }
    }
}
