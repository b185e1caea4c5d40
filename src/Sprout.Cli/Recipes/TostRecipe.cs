// TostRecipe: the one place `sprout train` applies ToST (Jaiswal et al., ICML 2022; docs/tost.md). --recipe tost turns
// on every component; each is also a flag of its own. Order matters and is fixed here: the method builds the masked
// model first (any mask source), then LRsI rescales its initial weights (a fresh run only), then the ghosts are
// installed by TostCallback after the run's optimizer exists, so that optimizer never holds ghost parameters.
using System.Globalization;
using System.Text.Json.Nodes;
using Sprout.Cli.Config;
using Sprout.Nn;
using Sprout.Training;
using Sprout.Training.Recipes.Tost;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Recipes;

/// <summary>Resolves, checks and applies the ToST settings of a run.</summary>
public static class TostRecipe
{
    /// <summary>The label smoothing --recipe tost uses when none is given (ALGORITHMS.md §5).</summary>
    public const double DefaultSmoothing = 0.1;

    /// <summary>Expands --recipe tost into its components and checks the combination.</summary>
    /// <exception cref="UsageException">Annealing without smoothing to anneal.</exception>
    public static void Resolve(TrainSettings s)
    {
        if (s.Recipe == "tost")
        {
            s.GhostNeurons = s.Lrsi = s.LabelSmoothingAnneal = true;
            s.GhostSkips = true; // dropped in Apply, with a note, for models without residual blocks
            if (s.LabelSmoothing == 0) s.LabelSmoothing = DefaultSmoothing;
        }
        if (s.LabelSmoothingAnneal && s.LabelSmoothing == 0)
            throw new UsageException("--label-smoothing-anneal needs a --label-smoothing above 0 to anneal (e.g. 0.1).");
    }

    /// <summary>True when any annealed component (ghosts or smoothing anneal) is on.</summary>
    public static bool HasAnnealedParts(TrainSettings s) => s.GhostNeurons || s.GhostSkips || s.LabelSmoothingAnneal;

    /// <summary>The switch epoch: --tost-switch × --epochs, rounded, at least 1.</summary>
    public static int SwitchEpoch(TrainSettings s) => Math.Max(1, (int)Math.Round(s.TostSwitch * s.Epochs, MidpointRounding.AwayFromZero));

    /// <summary>Checkpoint metadata key of LRsI's record, so that a resumed run's summary.json still has it.</summary>
    public const string LrsiMetadataKey = "sprout.recipe.lrsi";

    /// <summary>
    /// Applies the recipe to a built trainer: LRsI on a fresh run, then the annealing callback (added to the trainer).
    /// Returns the summary.json entry, or null when no component is on. LRsI's passes and the ghost paths' multiply-adds
    /// are added to the run's FLOP counter (the method's sparsity driver), so the FLOPs-vs-dense column pays for them.
    /// <paramref name="resumedLrsi"/> is the LRsI record of the checkpoint a run resumes (its <see cref="LrsiMetadataKey"/>).
    /// </summary>
    /// <exception cref="UsageException">--ghost-skips on a model without residual blocks, or under mpirun.</exception>
    public static JsonObject? Apply(TrainSettings s, Trainer trainer, Func<IBatchSource> lrsiBatches, int stepsPerEpoch, int startStep, Action<string> note,
        int worldSize = 1, string? resumedLrsi = null)
    {
        if (!HasAnnealedParts(s) && !s.Lrsi) return null;
        var summary = new JsonObject { ["recipe"] = s.Recipe };
        var flops = trainer.Callbacks.OfType<SparsityCallback>().FirstOrDefault()?.Driver.Flops;
        if (s.Lrsi && startStep == 0)
        {
            var options = new LrsiOptions { Iterations = s.LrsiIterations, StepSize = (float)s.LrsiStep, FixedStepDirection = s.LrsiFixedDirection, LabelSmoothing = (float)s.LabelSmoothing };
            var result = new LayerwiseRescaledInit(trainer.Model, options).Run(lrsiBatches());
            double? lrsiMacs = null;
            if (flops is not null)
            {
                lrsiMacs = (double)result.SamplePasses * flops.ExecutedMacsPerSample;
                flops.AddExtra(lrsiMacs.Value);
            }
            // Both quantities on the same two batches before and after, so the numbers compare (docs/tost.md).
            note(string.Create(CultureInfo.InvariantCulture,
                $"lrsi: {result.Iterations} iterations ({result.GradientNormIterations} on ‖g‖), step η {s.LrsiStep:G3}{(s.LrsiFixedDirection ? " (direction held fixed)" : "")}; on a fixed batch pair ‖g‖ {result.Before.GradientNorm:G4} -> {result.After.GradientNorm:G4}, loss after the step {result.Before.LossAfterStep:G4} -> {result.After.LossAfterStep:G4}; scales {result.Scales.Min(x => x.Scale):G3}..{result.Scales.Max(x => x.Scale):G3}"));
            summary["lrsi"] = new JsonObject
            {
                ["iterations"] = result.Iterations,
                ["step"] = s.LrsiStep,
                ["fixed_direction"] = s.LrsiFixedDirection,
                ["gradient_norm_iterations"] = result.GradientNormIterations,
                ["sample_passes"] = result.SamplePasses,
                ["macs"] = lrsiMacs,
                ["gradient_norm_before"] = result.Before.GradientNorm,
                ["gradient_norm_after"] = result.After.GradientNorm,
                ["loss_after_step_before"] = result.Before.LossAfterStep,
                ["loss_after_step_after"] = result.After.LossAfterStep,
                ["scales"] = new JsonObject(result.Scales.Select(x => KeyValuePair.Create(x.Name, (JsonNode?)JsonValue.Create(x.Scale)))),
            };
        }
        else if (s.Lrsi)
        {
            note("lrsi: skipped on resume (the checkpoint holds the rescaled weights)");
            if (resumedLrsi is not null && JsonNode.Parse(resumedLrsi) is JsonObject record) summary["lrsi"] = record;
        }
        if (!HasAnnealedParts(s)) return summary;

        bool residual = trainer.Model.Modules().OfType<BasicBlock>().Any();
        bool skips = s.GhostSkips && residual;
        if (s.GhostSkips && !residual)
        {
            if (s.Recipe != "tost")
                throw new UsageException($"--ghost-skips needs a residual model (resnet20, resnet32, resnet18, …); {s.Model} has no BasicBlock.");
            note($"tost: {s.Model} has no residual blocks, so no ghost skip connections");
        }
        if (skips && worldSize > 1)
            throw new UsageException("--ghost-skips (part of --recipe tost) runs on one process only: the ghost paths' gradients are not all-reduced. Run without mpirun, or use --ghost-neurons --lrsi --label-smoothing-anneal.");
        int switchEpoch = SwitchEpoch(s);
        var callback = new TostCallback(trainer.Model, new TostSchedule(switchEpoch * stepsPerEpoch), s.GhostNeurons, skips,
            s.LabelSmoothingAnneal ? (float)s.LabelSmoothing : 0f, p => TrainingSetup.Optimizer(s, p), startStep, flops);
        trainer.Callbacks.Add(callback);
        int fused = trainer.Model.Modules().OfType<FusedRelu>().Count();
        note($"tost: ghosts until epoch {switchEpoch} (step {callback.Schedule.SwitchStep}); " +
             (s.GhostNeurons ? $"{Ghosts.Relus(trainer.Model).Count} ghost neurons; " : "") + $"ghost skip parameters {callback.GhostParameters:N0}" +
             (s.GhostNeurons && fused > 0 ? $"; {fused} ReLUs fused into csr layers stay ReLU (use --layer-kind masked to soften them)" : ""));
        summary["switch_epoch"] = switchEpoch;
        summary["callback"] = callback.Summary(); // refreshed at the end of the run by Finish
        return summary;
    }

    /// <summary>Refreshes the callback's counters (ghost multiply-adds, removal) in a summary built by <see cref="Apply"/>.</summary>
    public static JsonObject? Finish(JsonObject? summary, Trainer trainer)
    {
        if (summary is null) return null;
        foreach (var callback in trainer.Callbacks)
            if (callback is TostCallback tost) summary["callback"] = tost.Summary();
        return summary;
    }
}
