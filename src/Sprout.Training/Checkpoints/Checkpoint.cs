// Checkpoint: saves and restores a training state as one safetensors file. Model parameters keep their
// module paths ("1.weight") so other tools can load the weights directly; optimizer state is stored as
// "optimizer.<parameter>.<slot>"; module buffers (BatchNorm running statistics) keep their paths too; epoch, step and the caller's metadata go in __metadata__. Everything else
// an exact resume needs comes from ICheckpointable modules (under their path, e.g. a sparse layer's
// "1.weight.indptr") and trainer callbacks (under their own scope, e.g. "topology.rng"); the layout is
// described in the file's metadata (LayoutKey). Restoring reads structures first (so sizes come from the
// file), then writes parameters and state into the existing tensors in place, so a trainer resumed from
// epoch k continues bit-exactly (the data order is a function of seed and epoch, the schedule of the step).
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
    /// <summary>Metadata key: a description of the tensor layout, for readers other than Sprout.</summary>
    public const string LayoutKey = "sprout.layout";

    /// <summary>Metadata key: the model's modules, one "path: Type" per line (what to rebuild it from).</summary>
    public const string ArchitectureKey = "sprout.architecture";

    /// <summary>The text stored under <see cref="LayoutKey"/> (docs: src/Sprout.Training/README.md#checkpoints).</summary>
    public const string Layout =
        "Names are module paths from sprout.architecture (e.g. '1' is the first Linear of an MLP, after '0' Flatten). " +
        "<module>.weight/.bias: parameters (F32); a dense Linear's weight is [out, in] (y = x W^T + b). " +
        "A CSR sparse layer's weight is its nonzero values [nnz] with <module>.weight.indptr (I32 [rows+1]), " +
        "<module>.weight.indices (I32 [nnz], column of each value) and <module>.weight.shape (I64 [rows, cols]): " +
        "scipy.sparse.csr_matrix((weight, indices, indptr), shape) is the [out, in] matrix. " +
        "A masked layer stores its dense weight [out, in] and the mask's indptr/indices/shape the same way (weight x mask). " +
        "Top-KAST: <module>.weight + weight.* is the backward set B (values and CSR structure); <module>.forward.indptr/.indices/.shape " +
        "is the forward set A (a subset of B) whose values are taken from weight, and the forward pass uses A only; " +
        "<module>.reservoir.* holds theta outside B (dense 'theta', or compact 'left_positions'/'left_values'/'fresh*'), for training only. " +
        "optimizer.<parameter>.<slot>: optimizer state shaped like its parameter (per nonzero for CSR layers). " +
        "gmp.<i>.mask: gradual magnitude pruning's 0/1 mask (F32) of the i-th Linear layer, counting from 0 in module order (the weight is already masked). " +
        "topology.*, topkast.*, spartan.*, snfs.*, sparsity.*: method state for resuming (counters and random streams as I64). " +
        "tost.ghost_optimizer.*: the optimizer state of ToST's ghost skip paths (<module>.ghost.*), present only while they exist. " +
        "<module>.running_mean/.running_var: BatchNorm buffers (F32); other <module>.* entries are module state. " +
        "sprout.normalization: inputs were standardized per channel as (x - mean) / std before the first layer.";

    /// <summary>Metadata key: the input standardization, "mean=m0,m1,...;std=s0,s1,..." (absent when inputs were not standardized).</summary>
    public const string NormalizationKey = "sprout.normalization";

    /// <summary>The Sprout version with the commit it was built from ("0.1.0+sha"), as summary.json records it.</summary>
    public static string FullVersion { get; } =
        typeof(Checkpoint).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute a, ..] ? a.InformationalVersion : "0.0.0";

    /// <summary>The model's module tree as "path: Type" lines ("" is the root), in depth-first order.</summary>
    public static string Architecture(Module model)
    {
        var lines = new System.Text.StringBuilder();
        void Walk(string path, Module m)
        {
            lines.Append(path.Length == 0 ? "(root)" : path).Append(": ").Append(m.GetType().Name).Append('\n');
            foreach (var (name, child) in m.Children) Walk(path.Length == 0 ? name : path + "." + name, child);
        }
        Walk("", model);
        return lines.ToString();
    }

    /// <summary>The Sprout version string written into checkpoints and summaries.</summary>
    public static string Version { get; } =
        typeof(Checkpoint).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute a, ..] ? a.InformationalVersion.Split('+')[0] : "0.0.0";

    /// <summary>Writes the trainer's model, optimizer state, epoch and step (plus <paramref name="metadata"/>) to <paramref name="path"/>.</summary>
    public static void Save(string path, Trainer trainer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var state = new StateDict();
        foreach (var (scope, component) in Components(trainer.Model)) component.SaveState(state.Scope(scope));
        foreach (var callback in trainer.Callbacks)
            if (callback is ICheckpointable component) component.SaveState(state);
        var tensors = new List<StateEntry>(state.Entries);
        foreach (var (name, t) in trainer.Model.NamedParameters()) tensors.Add(new StateEntry(name, t.Data.ToArray(), t.Shape.ToArray()));
        foreach (var (name, t) in trainer.Model.NamedBuffers()) tensors.Add(new StateEntry(name, t.Data.ToArray(), t.Shape.ToArray()));
        foreach (var (name, t) in trainer.Optimizer.StateTensors()) tensors.Add(new StateEntry(OptimizerPrefix + name, t.Data.ToArray(), t.Shape.ToArray()));
        var meta = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
        meta[EpochKey] = trainer.CompletedEpochs.ToString(CultureInfo.InvariantCulture);
        meta[StepKey] = trainer.Step.ToString(CultureInfo.InvariantCulture);
        meta[OptimizerKey] = trainer.Optimizer.GetType().Name;
        meta[VersionKey] = FullVersion;
        meta[LayoutKey] = Layout;
        meta[ArchitectureKey] = Architecture(trainer.Model);
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
        var state = LoadComponents(file, path, trainer.Model);
        CopyInto(file, path, trainer.Model.NamedParameters(), "");
        CopyInto(file, path, trainer.Model.NamedBuffers(), "");
        trainer.Optimizer.MatchStateToParameters();
        CopyInto(file, path, trainer.Optimizer.StateTensors(), OptimizerPrefix);
        try
        {
            foreach (var callback in trainer.Callbacks)
                if (callback is ICheckpointable component) component.LoadState(state);
        }
        catch (CorruptStateException e)
        {
            throw new CheckpointException($"{path}: {e.Message} The file is corrupt; use another checkpoint.", e);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            // An impossible random-stream state (all zeros) is an ArgumentException from Rng.SetState.
            string message = e is ArgumentException a && a.ParamName is not null ? a.Message.Replace($" (Parameter '{a.ParamName}')", "") : e.Message;
            throw new CheckpointException($"{path}: {message} Resume with the --method and settings it was written with, or from an intact checkpoint.", e);
        }
        RejectUnknown(file, path, [.. trainer.Model.NamedParameters(), .. trainer.Model.NamedBuffers()], state);
        trainer.Optimizer.StepCount = info.Step;
        trainer.CompletedEpochs = info.Epoch;
        return info;
    }

    /// <summary>Loads only the model weights (for evaluation); optimizer state in the file is ignored.</summary>
    /// <exception cref="CheckpointException">The file is invalid or does not match the model.</exception>
    public static CheckpointInfo LoadModel(string path, Module model)
    {
        var file = SafetensorsFile.Read(path);
        LoadComponents(file, path, model);
        CopyInto(file, path, model.NamedParameters(), "");
        CopyInto(file, path, model.NamedBuffers(), "");
        return Info(file, path);
    }

    /// <summary>Every ICheckpointable module of <paramref name="model"/> with its path ("" for the model itself).</summary>
    public static IEnumerable<(string Path, ICheckpointable Component)> Components(Module model)
    {
        var stack = new Stack<(string, Module)>();
        stack.Push(("", model));
        var found = new List<(string, ICheckpointable)>();
        while (stack.Count > 0)
        {
            var (path, m) = stack.Pop();
            if (m is ICheckpointable c) found.Add((path, c));
            for (int i = m.Children.Count - 1; i >= 0; i--)
            {
                var (name, child) = m.Children[i];
                stack.Push((path.Length == 0 ? name : path + "." + name, child));
            }
        }
        return found;
    }

    // The whole file as state; modules restore their structures from it before parameters are copied,
    // so a layer's nnz is whatever the file says.
    private static StateDict LoadComponents(SafetensorsFile file, string path, Module model)
    {
        var state = new StateDict();
        foreach (var e in file.Entries) state.AddEntry(new StateEntry(e.Name, file.ToTypedArray(e.Name), e.Shape));
        try
        {
            foreach (var (scope, component) in Components(model)) component.LoadState(state.Scope(scope));
        }
        catch (CorruptStateException e)
        {
            throw new CheckpointException($"{path}: {e.Message} The file is corrupt; use another checkpoint (e.g. best.safetensors or an earlier run).", e);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new CheckpointException($"{path}: {e.Message} It was written for a different model (check --model and --method).", e);
        }
        return state;
    }

    private static void RejectUnknown(SafetensorsFile file, string path, IReadOnlyList<(string Name, Tensor Tensor)> parameters, StateDict state)
    {
        var known = new HashSet<string>(parameters.Select(t => t.Name), StringComparer.Ordinal);
        foreach (var e in file.Entries)
            if (!e.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && !known.Contains(e.Name) && !state.Used.Contains(e.Name))
                throw new CheckpointException($"{path} has a tensor '{e.Name}' the model lacks; it was written for a different model or method (check --model and --method).");
    }

    private static void CopyInto(SafetensorsFile file, string path, IReadOnlyList<(string Name, Tensor Tensor)> targets, string prefix)
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
            int bad = tensor.Data.IndexOfAnyExceptInRange(float.MinValue, float.MaxValue);
            if (bad >= 0)
                throw new CheckpointException($"{path}: tensor '{key}' holds a non-finite value ({tensor.Data[bad]} at index {bad}); the checkpoint is corrupt or was saved after training diverged, use an earlier one.");
        }
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
