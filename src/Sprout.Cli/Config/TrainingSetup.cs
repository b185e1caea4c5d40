// TrainingSetup: turns resolved TrainSettings into library objects (optimizer, schedule, trainer
// options) and checks the rules that involve several settings at once. Single-value checks live in
// SettingsTable; this file is where "--warmup-epochs must be below --epochs" belongs.
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Training;

namespace Sprout.Cli.Config;

/// <summary>Builds the optimizer, schedule and trainer options a run's settings describe.</summary>
public static class TrainingSetup
{
    /// <summary>Checks cross-setting rules and fills optimizer-dependent defaults.</summary>
    /// <exception cref="UsageException">Settings contradict each other.</exception>
    public static void Validate(TrainSettings s)
    {
        s.ResolveDefaults();
        if (s.Threads > 256) throw new UsageException($"--threads must be at most 256, got {s.Threads}.");
        if (s.WarmupEpochs >= s.Epochs)
            throw new UsageException($"--warmup-epochs ({s.WarmupEpochs}) must be smaller than --epochs ({s.Epochs}).");
        if (s.Schedule == "multistep" && s.Milestones is { } ms && ms.Any(m => m > s.Epochs))
            throw new UsageException($"--milestones {string.Join(",", ms)} has an epoch beyond --epochs {s.Epochs}; give them as fractions of the run (e.g. 0.5,0.75) to follow --epochs.");
        if (s.Schedule == "step" && s.StepSize is int size && size > s.Epochs)
            throw new UsageException($"--step-size ({size}) is larger than --epochs ({s.Epochs}); the rate would never decay.");
    }

    /// <summary>Applies --threads to the kernels' thread pool (0 keeps the default: all cores).</summary>
    public static void ApplyThreads(int threads)
    {
        if (threads > 0) Sprout.Kernels.Parallelism.Threads = threads;
    }

    /// <summary>The optimizer over the model's parameters.</summary>
    public static Optimizer Optimizer(TrainSettings s, Module model) => Optimizer(s, model.NamedParameters());

    /// <summary>The run's kind of optimizer, with its hyperparameters, over <paramref name="parameters"/> (ToST's ghost paths).</summary>
    public static Optimizer Optimizer(TrainSettings s, IEnumerable<(string Name, Sprout.Core.Tensor Tensor)> parameters)
    {
        float lr = (float)s.Lr!.Value, wd = (float)s.WeightDecay!.Value;
        return s.Optimizer switch
        {
            "sgd" => new Sgd(parameters, lr, (float)s.Momentum, wd, nesterov: s.Nesterov && s.Momentum > 0),
            "adam" => new Adam(parameters, lr, weightDecay: wd),
            "adamw" => new AdamW(parameters, lr, weightDecay: wd),
            _ => throw new UsageException($"Unknown optimizer '{s.Optimizer}'; valid: {string.Join(", ", SettingsTable.Optimizers)}."),
        };
    }

    /// <summary>The learning-rate schedule in optimizer steps (epochs × <paramref name="stepsPerEpoch"/>).</summary>
    public static LrSchedule Schedule(TrainSettings s, int stepsPerEpoch)
    {
        int total = s.Epochs * stepsPerEpoch;
        float gamma = (float)s.Gamma;
        LrSchedule inner = s.Schedule switch
        {
            "constant" => new ConstantLr(),
            "step" => MultiStepLr.Every((s.StepSize ?? Math.Max(1, s.Epochs / 3)) * stepsPerEpoch, total, gamma),
            "multistep" => new MultiStepLr(MilestoneEpochs(s).Select(e => e * stepsPerEpoch), gamma),
            "cosine" => new CosineLr(total),
            _ => throw new UsageException($"Unknown schedule '{s.Schedule}'; valid: {string.Join(", ", SettingsTable.Schedules)}."),
        };
        int warmup = (int)Math.Round(s.WarmupEpochs * stepsPerEpoch);
        return warmup > 0 ? new WarmupLr(inner, warmup) : inner;
    }

    /// <summary>Loop options (label smoothing, gradient clipping).</summary>
    public static TrainerOptions Options(TrainSettings s) =>
        new() { LabelSmoothing = (float)s.LabelSmoothing, ClipNorm = (float)s.ClipNorm };

    /// <summary>The multistep milestones in epochs: as given, or fractions (all below 1) times --epochs, at least epoch 1.</summary>
    public static int[] MilestoneEpochs(TrainSettings s)
    {
        if (s.Milestones is not { } ms) return [Math.Max(1, s.Epochs / 2), Math.Max(1, 3 * s.Epochs / 4)];
        return ms.All(m => m < 1)
            ? ms.Select(f => Math.Max(1, (int)Math.Round(f * s.Epochs, MidpointRounding.AwayFromZero))).ToArray()
            : ms.Select(m => (int)m).ToArray();
    }
}
