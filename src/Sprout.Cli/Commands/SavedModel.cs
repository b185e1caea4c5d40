// SavedModel: what `eval` and `export` both do first: read a checkpoint's saved settings, apply the flags given on
// the command line, check them, load the dataset and rebuild the model the checkpoint was trained as.
using System.CommandLine;
using Sprout.Cli.Config;
using Sprout.Cli.Methods;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Commands;

/// <summary>A checkpoint's model with the settings and data it was trained with.</summary>
internal static class SavedModel
{
    // Settings a user may override when the saved ones do not fit (e.g. a checkpoint from another tool or data folder).
    private static readonly string[] OverridableKeys = ["data", "data-dir", "model", "method", "normalize"];

    /// <summary>Adds the overridable settings' options to <paramref name="command"/>; pass the result to <see cref="Load"/>.</summary>
    public static IReadOnlyList<(Setting Setting, Option<string[]> Option)> AddOverrides(Command command) =>
        SettingOptions.Add(command, SettingsTable.All.Where(s => OverridableKeys.Contains(s.Key)));

    /// <summary>The checkpoint's header, settings (saved, then overridden by given flags), the dataset's splits, and the model with the checkpoint's weights.</summary>
    /// <exception cref="UsageException">Unknown dataset or model, or a checkpoint that does not fit the model.</exception>
    public static (CheckpointInfo Info, TrainSettings Settings, DatasetSplits Splits, Module Model) Load(string path, ParseResult parse,
        IEnumerable<(Setting Setting, Option<string[]> Option)> options)
    {
        var info = Checkpoint.ReadInfo(path);
        var settings = new TrainSettings();
        if (info[TrainCommand.ConfigMetadataKey] is string saved)
            ConfigFile.ApplyText(saved, $"settings saved in {Path.GetFileName(path)}", settings);
        SettingOptions.ApplyGiven(parse, options, settings);
        // The checkpoint holds the sparse topology and weights: a lottery ticket's dense source run is not needed (and
        // may be gone) to rebuild it, so its magnitudes are not read again.
        settings.MaskFrom = null;
        var method = MethodRegistry.Get(settings.Method);
        if (!DatasetRegistry.IsKnown(settings.Data))
            throw new UsageException($"Unknown dataset '{settings.Data}'; valid: {string.Join(", ", DatasetRegistry.Names)}.");
        Models.ModelRegistry.Validate(settings.Model, settings.Data);
        var splits = DatasetRegistry.Load(settings.Data, new DataOptions { DataDirectory = settings.DataDir, Normalization = TrainRunner.Normalization(settings.Normalize) });
        var model = method.BuildModel(settings, splits.Test.ImageShape, splits.Test.ClassCount, new Rng(0));
        Checkpoint.LoadModel(path, model);
        return (info, settings, splits, model);
    }
}
