// TrainedMaskSource: `--method magnitude --mask-from runs/<dense>/best.safetensors`, the one-shot lottery ticket. The
// checkpoint must come from a dense `sprout train` run of the same --model and --data: its saved settings (checkpoint
// metadata) give the seed, so the dense run's initial weights are rebuilt exactly (same builder, same
// Rng.Derive(seed, "model.init") stream as TrainRunner), and the trained weights are loaded into a second build.
// RewoundMagnitude then keeps the largest |trained w| per layer and starts from the initial values. Every check runs
// before a run folder exists, so a bad file is one line and exit code 2.
using Sprout.Cli.Commands;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Training.Checkpoints;

namespace Sprout.Cli.Methods;

/// <summary>The trained and the initial dense model of the run a --mask-from checkpoint came from.</summary>
public static class TrainedMaskSource
{
    /// <summary>Checks that <paramref name="path"/> is a dense run's checkpoint of this run's --model and --data; returns its saved settings.</summary>
    /// <exception cref="UsageException">Missing file, not a Sprout checkpoint with saved settings, not dense, or another model or dataset.</exception>
    public static TrainSettings Check(string path, TrainSettings s)
    {
        if (!File.Exists(path)) throw new UsageException($"--mask-from: {path} does not exist; give a dense run's checkpoint, e.g. runs/<dense run>/best.safetensors.");
        CheckpointInfo info;
        try { info = Checkpoint.ReadInfo(path); }
        catch (CheckpointException e) { throw new UsageException($"--mask-from: {e.Message}", e); }
        if (info[TrainCommand.ConfigMetadataKey] is not string yaml)
            throw new UsageException($"--mask-from: {path} has no saved training settings; use a checkpoint written by `sprout train --method dense`.");
        var saved = new TrainSettings();
        ConfigFile.ApplyText(yaml, $"settings saved in {Path.GetFileName(path)}", saved);
        if (saved.Method != "dense")
            throw new UsageException($"--mask-from: {path} is from a --method {saved.Method} run; the lottery ticket rewinds a dense run (--method dense).");
        if (saved.Model != s.Model || !SameDataset(saved.Data, s.Data))
            throw new UsageException($"--mask-from: {path} is a checkpoint of --model {saved.Model} on {saved.Data}, but this run trains --model {s.Model} on {s.Data}.");
        return saved;
    }

    /// <summary>
    /// The dense model with the checkpoint's trained weights, and the same model at the dense run's initialisation
    /// (its seed's "model.init" stream), both built for <paramref name="input"/> and <paramref name="classes"/>.
    /// </summary>
    /// <exception cref="UsageException">The checkpoint is not usable (see <see cref="Check"/>) or its tensors do not fit the model.</exception>
    public static (Module Trained, Module Initial) Load(string path, TrainSettings s, ImageShape input, int classes)
    {
        var saved = Check(path, s);
        var build = Models.ModelRegistry.Builder(saved.Model, input, classes, saved.Seed);
        var initial = build(new DenseLayerFactory(Rng.Derive(saved.Seed, "model.init")));
        var trained = build(new DenseLayerFactory(new Rng(0)));
        try { Checkpoint.LoadModel(path, trained); }
        catch (CheckpointException e) { throw new UsageException($"--mask-from: {e.Message}", e); }
        return (trained, initial);
    }

    private static bool SameDataset(string a, string b) =>
        DatasetRegistry.IsKnown(a) && DatasetRegistry.IsKnown(b) ? DatasetRegistry.Canonicalize(a) == DatasetRegistry.Canonicalize(b) : a == b;
}
