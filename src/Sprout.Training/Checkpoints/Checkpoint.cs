// Checkpoint: saves and restores a training state as one safetensors file. Model parameters keep their
// module paths ("1.weight") so other tools can load the weights directly; optimizer state is stored as
// "optimizer.<parameter>.<slot>"; epoch, step and the caller's metadata go in __metadata__. Restoring
// writes into the existing tensors in place, so a trainer resumed from epoch k continues bit-exactly
// (the data order is a function of seed and epoch, the schedule a function of the step).
// Not restored: random streams held inside modules (e.g. Dropout), whose state Rng does not expose.
using System.Globalization;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;

namespace Sprout.Training.Checkpoints;

/// <summary>Model + optimizer checkpoints in the safetensors format.</summary>
public static class Checkpoint
{
    /// <summary>Prefix of optimizer-state tensor names.</summary>
    public const string OptimizerPrefix = "optimizer.";
    /// <summary>Metadata key: epochs completed.</summary>
    public const string EpochKey = "sprout.epoch";
    /// <summary>Metadata key: optimizer steps completed.</summary>
    public const string StepKey = "sprout.step";
    /// <summary>Metadata key: optimizer type (checked on resume).</summary>
    public const string OptimizerKey = "sprout.optimizer";
    /// <summary>Metadata key: Sprout version.</summary>
    public const string VersionKey = "sprout.version";

    /// <summary>The Sprout version string written into checkpoints and summaries.</summary>
    public static string Version { get; } =
        typeof(Checkpoint).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute a, ..] ? a.InformationalVersion.Split('+')[0] : "0.0.0";

    /// <summary>Writes the trainer's model, optimizer state, epoch and step (plus <paramref name="metadata"/>) to <paramref name="path"/>.</summary>
    public static void Save(string path, Trainer trainer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = new List<(string, Tensor)>(trainer.Model.NamedParameters());
        foreach (var (name, t) in trainer.Optimizer.StateTensors()) tensors.Add((OptimizerPrefix + name, t));
        var meta = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
        meta[EpochKey] = trainer.CompletedEpochs.ToString(CultureInfo.InvariantCulture);
        meta[StepKey] = trainer.Step.ToString(CultureInfo.InvariantCulture);
        meta[OptimizerKey] = trainer.Optimizer.GetType().Name;
        meta[VersionKey] = Version;
        SafetensorsWriter.Write(path, tensors, meta);
    }

    /// <summary>Reads only the metadata of a checkpoint (validating the file).</summary>
    /// <exception cref="CheckpointException">The file is missing or invalid.</exception>
    public static CheckpointInfo ReadInfo(string path) => Info(SafetensorsFile.Read(path), path);

    /// <summary>Restores model, optimizer state, epoch and step into <paramref name="trainer"/>.</summary>
    /// <exception cref="CheckpointException">The file is invalid or was written for a different model or optimizer.</exception>
    public static CheckpointInfo Restore(string path, Trainer trainer)
    {
        var file = SafetensorsFile.Read(path);
        var info = Info(file, path);
        string? optimizer = info[OptimizerKey];
        if (optimizer is not null && optimizer != trainer.Optimizer.GetType().Name)
            throw new CheckpointException($"{path} was written with optimizer {optimizer}, not {trainer.Optimizer.GetType().Name}; resume with the same --optimizer.");
        CopyInto(file, path, trainer.Model.NamedParameters(), "", allowExtra: false);
        CopyInto(file, path, trainer.Optimizer.StateTensors(), OptimizerPrefix, allowExtra: false);
        trainer.Optimizer.StepCount = info.Step;
        trainer.CompletedEpochs = info.Epoch;
        return info;
    }

    /// <summary>Loads only the model weights (for evaluation); optimizer state in the file is ignored.</summary>
    /// <exception cref="CheckpointException">The file is invalid or does not match the model.</exception>
    public static CheckpointInfo LoadModel(string path, Module model)
    {
        var file = SafetensorsFile.Read(path);
        CopyInto(file, path, model.NamedParameters(), "", allowExtra: true);
        return Info(file, path);
    }

    private static void CopyInto(SafetensorsFile file, string path, IReadOnlyList<(string Name, Tensor Tensor)> targets, string prefix, bool allowExtra)
    {
        foreach (var (name, tensor) in targets)
        {
            string key = prefix + name;
            if (!file.Contains(key))
                throw new CheckpointException($"{path} has no tensor '{key}'; it was written for a different model (check --model and --data).");
            var entry = file.Entry(key);
            if (!entry.Shape.AsSpan().SequenceEqual(tensor.Shape))
                throw new CheckpointException($"{path}: tensor '{key}' is [{string.Join(", ", entry.Shape)}] in the file but [{string.Join(", ", tensor.Shape.ToArray())}] in the model (check --model and --data).");
            file.CopyTo(key, tensor.Data);
        }
        if (allowExtra || prefix.Length > 0) return;
        var known = new HashSet<string>(targets.Select(t => t.Name), StringComparer.Ordinal);
        foreach (var e in file.Entries)
            if (!e.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !known.Contains(e.Name))
                throw new CheckpointException($"{path} has a tensor '{e.Name}' the model lacks; it was written for a different model (check --model).");
    }

    private static CheckpointInfo Info(SafetensorsFile file, string path)
    {
        int ReadInt(string key)
        {
            if (!file.Metadata.TryGetValue(key, out var text)) return 0;
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 0
                ? v
                : throw new CheckpointException($"{path}: metadata '{key}' is '{text}', not a count.");
        }
        return new CheckpointInfo(ReadInt(EpochKey), ReadInt(StepKey), file.Metadata);
    }
}
