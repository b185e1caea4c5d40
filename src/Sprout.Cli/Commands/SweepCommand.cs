// SweepCommand: `sprout sweep`, a thin wrapper over Sprout.Training.Sweeps.Sweep: every --config file is trained
// once per seed (sequentially, through the same TrainRunner as `sprout train`, into
// runs/sweep-<config folder>-<config>-s<seed>), each run's summary.json is read back, and the mean ± std table is
// written to --out (e.g. docs/RESULTS.md). Training FLOPs relative to dense come from the run's own FLOP counter
// (summary.json: sparsity.train_flops_relative_to_dense; 1 for a dense run). Like `train`, an existing run is
// never overwritten silently: --reuse reads finished runs back and continues cut ones from their last.safetensors
// (to resume a sweep or rebuild its table),
// --overwrite retrains them, and --table-only trains nothing: it tabulates the runs finished so far (long sweeps are
// trained across sessions) and lists the missing ones.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sprout.Cli.Config;
using Sprout.Training.Checkpoints;
using Sprout.Training.Runs;
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
        var reuse = new Option<bool>("--reuse") { Description = "Read back runs that already completed instead of training them again; continue cut ones from their last checkpoint" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Retrain runs whose directories already exist" };
        var tableOnly = new Option<bool>("--table-only") { Description = "Train nothing: build the table from the runs that have finished and list the missing ones" };
        var runsRoot = new Option<string>("--runs") { Description = "Folder for the sweep's run directories", HelpName = "DIR", DefaultValueFactory = _ => "runs" };
        command.Add(reuse);
        command.Add(runsRoot);
        command.Add(overwrite);
        command.Add(tableOnly);
        command.Add(configs);
        command.Add(seeds);
        command.Add(epochs);
        command.Add(output);
        command.SetAction((parse, cancellation) =>
        {
            var files = parse.GetValue(configs) ?? [];
            var seedList = ParseSeeds(parse.GetValue(seeds) ?? "0,1,2");
            int? epochOverride = parse.GetValue(epochs);
            string? path = parse.GetValue(output);
            if (path is not null && Directory.Exists(path))
                throw new UsageException($"--out {path} is a folder; give the markdown file to write, e.g. {Path.Combine(path, "RESULTS.md")}.");
            if (parse.GetValue(tableOnly) && parse.GetValue(overwrite))
                throw new UsageException("--table-only trains nothing, so it cannot --overwrite: drop one of the two.");
            var mode = parse.GetValue(tableOnly) ? ExistingRun.TableOnly : parse.GetValue(reuse) ? ExistingRun.Reuse
                : parse.GetValue(overwrite) ? ExistingRun.Overwrite : ExistingRun.Refuse;
            string root = parse.GetValue(runsRoot) ?? "runs";
            Sweep<string> sweep;
            try
            {
                sweep = new Sweep<string>(files, f => Path.GetFileNameWithoutExtension(f), seedList);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message.Split(" (Parameter")[0], e);
            }
            // Every config is checked before the first run starts, so a typo in the last one fails in seconds, not hours.
            foreach (string file in files)
                foreach (ulong seed in seedList) TrainRunner.Validate(Settings(file, seed, epochOverride, root));
            var rows = sweep.Run((file, seed) => RunOne(context, file, seed, epochOverride, mode, root, cancellation),
                (name, seed, r) => context.Output.WriteLine($"{name} seed {seed}: test error {100 * r.TestError:F2}%, {r.EpochSeconds:F2} s/epoch"));
            string markdown = Sweep<string>.ToMarkdown(rows, "sprout " + string.Join(' ', context.Arguments));
            context.Output.Write(markdown);
            if (path is not null) File.WriteAllText(path, markdown);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private enum ExistingRun { Refuse, Reuse, Overwrite, TableOnly }

    /// <summary>The run directory name: the config's folder is part of it, so equal file names in different folders do not collide.</summary>
    internal static string RunName(string file, ulong seed)
    {
        string folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))) ?? "";
        return $"sweep-{folder}-{Path.GetFileNameWithoutExtension(file)}-s{seed}";
    }

    private static RunResult? RunOne(CliContext context, string file, ulong seed, int? epochs, ExistingRun mode, string root, CancellationToken cancellation)
    {
        var s = Settings(file, seed, epochs, root);
        string summary = Path.Combine(s.Out!, RunDirectory.SummaryFile);
        bool completed = File.Exists(summary) && ReadSummary(summary).Status == "completed";
        if (!completed && mode == ExistingRun.TableOnly) return null;
        string last = Path.Combine(s.Out!, RunDirectory.LastCheckpointFile);
        if (completed && mode is ExistingRun.Reuse or ExistingRun.TableOnly) RequireSameSettings(s);
        else if (mode == ExistingRun.Reuse && File.Exists(last) && File.Exists(Path.Combine(s.Out!, RunDirectory.ConfigFile)))
        {
            // A run cut before its end (a session or Ctrl+C) continues from its last epoch instead of starting again.
            RequireSameSettings(s);
            context.Output.WriteLine($"{s.Name}: continuing from {last} (epoch {Checkpoint.ReadInfo(last).Epoch} of {s.Epochs})");
            s.Name = null; // continue the checkpoint's own folder
            int code = new TrainRunner(context).Run(s, last, cancellation);
            if (code != ExitCodes.Ok) throw new UsageException($"Sweep run {s.Out} ({file}) exited with code {code}; see {s.Out}/train.log.");
        }
        else
        {
            if (mode == ExistingRun.Refuse && !RunDirectory.IsFree(s.Out!))
                throw new UsageException($"Sweep run directory {s.Out} already exists: pass --reuse to read finished runs back, or --overwrite to retrain them.");
            s.Overwrite = mode != ExistingRun.Refuse;
            int code = new TrainRunner(context).Run(s, null, cancellation);
            if (code != ExitCodes.Ok) throw new UsageException($"Sweep run {s.Name} ({file}) exited with code {code}; see {s.Out}/train.log (--reuse keeps finished runs, --overwrite retrains them).");
        }
        return ReadSummary(summary).Result;
    }

    // Reuse is keyed on the resolved settings: a run trained with other settings is not this row's result.
    private static void RequireSameSettings(TrainSettings s)
    {
        TrainRunner.Validate(s); // resolves the optimizer-dependent defaults that config.yaml records
        string saved = File.ReadAllText(Path.Combine(s.Out!, RunDirectory.ConfigFile));
        string? changed = FirstDifference(saved, ConfigFile.ToYaml(s));
        if (changed is not null)
            throw new UsageException($"Sweep run {s.Out} was trained with other settings ({changed}); pass --overwrite to retrain it, or --runs DIR to keep both.");
    }

    private static TrainSettings Settings(string file, ulong seed, int? epochs, string root)
    {
        var s = new TrainSettings();
        ConfigFile.Apply(file, s);
        s.Seed = seed;
        if (epochs is int e) s.Epochs = e;
        s.Name = RunName(file, seed);
        s.Out = Path.Combine(root, s.Name);
        s.Plain = true;
        return s;
    }

    // Settings that choose how a run is computed, not what: a run trained on one thread is the same row's result.
    private static readonly HashSet<string> ComputeOnly = ["threads"];

    /// <summary>The first setting whose line differs between two config.yaml texts ("epochs: 2 → 5"), or null; compute-only settings are not compared.</summary>
    private static string? FirstDifference(string before, string after)
    {
        var (a, b) = (Lines(before), Lines(after));
        foreach (var key in a.Keys.Union(b.Keys))
        {
            if (ComputeOnly.Contains(key)) continue;
            string x = a.GetValueOrDefault(key, "(absent)"), y = b.GetValueOrDefault(key, "(absent)");
            if (x != y && !(x == "(absent)" && IsDefault(key, y))) return $"{key}: {x} then, {y} now";
        }
        return null;
    }

    // A setting added to Sprout after a run was trained is absent from that run's config.yaml; if it is now at its
    // default (what the older code did), the run is the same.
    private static readonly Lazy<Dictionary<string, string>> Defaults = new(() => Lines(ConfigFile.ToYaml(new TrainSettings())));

    private static bool IsDefault(string key, string value) =>
        value is "null" or "~" or "" || Defaults.Value.TryGetValue(key, out var d) && d == value;

    private static Dictionary<string, string> Lines(string yaml) => yaml.Split('\n')
        .Where(l => l.Length > 0 && l[0] != '#' && l.Contains(':'))
        .ToDictionary(l => l[..l.IndexOf(':')], l => l[(l.IndexOf(':') + 1)..].Trim());

    private static (string? Status, RunResult Result) ReadSummary(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        // The run's own FLOP counter; a run without a sparsity section is dense.
        double relative = root.TryGetProperty("sparsity", out var sp) && sp.ValueKind == JsonValueKind.Object
            && sp.TryGetProperty("train_flops_relative_to_dense", out var f) ? f.GetDouble() : 1.0;
        string? status = root.TryGetProperty("status", out var st) ? st.GetString() : null;
        double peak = root.TryGetProperty("peak_memory_mb", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetDouble() : double.NaN;
        return (status, new RunResult(1 - root.GetProperty("test_accuracy").GetDouble(), root.GetProperty("epoch_seconds_median").GetDouble(), relative, 1.0, peak));
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
