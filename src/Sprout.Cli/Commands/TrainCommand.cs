// TrainCommand: `sprout train`. Declares one option per SettingsTable key (all parsed by the table, so a
// flag and a YAML key give identical errors) plus --config, --resume, --stop-after, --no-report and --tensorboard (per invocation, so not
// saved in config.yaml), and resolves the layers:
// defaults < resumed checkpoint's settings < --config file < flags given on the command line.
using System.CommandLine;
using Sprout.Cli.Config;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Commands;

/// <summary>Builds the `train` command.</summary>
public static class TrainCommand
{
    /// <summary>Metadata key under which checkpoints store the run's resolved config.yaml.</summary>
    public const string ConfigMetadataKey = "sprout.config";

    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("train", "Train a model and write runs/<name>/ (metrics.jsonl, summary.json, config.yaml, train.log, checkpoints).");
        var config = new Option<string?>("--config") { Description = "YAML file with the same keys as these flags (flags override it)", HelpName = "FILE" };
        var resume = new Option<string?>("--resume") { Description = "Continue from a checkpoint (e.g. runs/<name>/last.safetensors)", HelpName = "CHECKPOINT" };
        var stopAfter = new Option<int?>("--stop-after")
        {
            Description = "Stop after this epoch with a checkpoint, though schedules span --epochs; continue later with --resume",
            HelpName = "EPOCH",
        };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write report.html into the run folder at the end" };
        var tensorBoard = new Option<string?>("--tensorboard")
        {
            Description = "Also write TensorBoard event files into DIR/<run name>/ (view with: tensorboard --logdir DIR)",
            HelpName = "DIR",
        };
        command.Add(noReport);
        command.Add(tensorBoard);
        command.Add(config);
        command.Add(resume);
        command.Add(stopAfter);
        var options = SettingOptions.Add(command, SettingsTable.All);
        command.SetAction((parse, cancellation) =>
        {
            string? resumePath = parse.GetValue(resume);
            var settings = Resolve(parse, options, parse.GetValue(config), resumePath);
            var outputs = new RunOutputs(!parse.GetValue(noReport), parse.GetValue(tensorBoard));
            if (outputs.TensorBoard is string tb && File.Exists(tb))
                throw new UsageException($"--tensorboard {tb} is a file; name a folder for the event files (e.g. --tensorboard tb).");
            return Task.FromResult(new TrainRunner(context).Run(settings, resumePath, cancellation, parse.GetValue(stopAfter), outputs));
        });
        return command;
    }

    private static TrainSettings Resolve(ParseResult parse, IReadOnlyList<(Setting, Option<string[]>)> options, string? configPath, string? resumePath)
    {
        var settings = new TrainSettings();
        if (resumePath is not null && Checkpoint.ReadInfo(resumePath)[ConfigMetadataKey] is string saved)
            ConfigFile.ApplyText(saved, $"settings saved in {Path.GetFileName(resumePath)}", settings);
        if (configPath is not null) ConfigFile.Apply(configPath, settings);
        SettingOptions.ApplyGiven(parse, options, settings);
        return settings;
    }
}
