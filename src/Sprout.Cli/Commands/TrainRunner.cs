// TrainRunner: what `sprout train` does once its settings are resolved: validate, prepare the run
// directory, load data, build model/optimizer/schedule through the registries, attach the run's
// callbacks (metrics, checkpoints, the method's own), train with a console display, and write
// summary.json, also when training stops on a NaN loss (exit 3) or Ctrl+C (exit 130).
using System.Globalization;
using Spectre.Console;
using Sprout.Cli.Config;
using Sprout.Cli.Display;
using Sprout.Cli.Methods;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Training;
using Sprout.Training.Checkpoints;
using Sprout.Training.Progress;
using Sprout.Training.Runs;

namespace Sprout.Cli.Commands;

/// <summary>Runs one training job from resolved settings.</summary>
public sealed class TrainRunner(CliContext context)
{
    /// <summary>Trains (until epoch <paramref name="stopAfter"/> when given, of a run planned for s.Epochs); returns the exit code.</summary>
    /// <exception cref="UsageException">Invalid settings, existing run directory, etc.</exception>
    public int Run(TrainSettings s, string? resumePath, CancellationToken cancellation, int? stopAfter = null, RunOutputs? outputs = null)
    {
        using var extra = outputs ?? new RunOutputs();
        var method = Validate(s);
        CheckpointInfo? resumeInfo = resumePath is null ? null : Checkpoint.ReadInfo(resumePath);
        if (resumeInfo is not null && resumeInfo.Epoch >= s.Epochs)
            throw new UsageException($"{resumePath} already has {resumeInfo.Epoch} epochs; pass --epochs greater than {resumeInfo.Epoch} to train further.");
        if (stopAfter is int stop && (stop <= (resumeInfo?.Epoch ?? 0) || stop > s.Epochs))
            throw new UsageException($"--stop-after must be an epoch after {resumeInfo?.Epoch ?? 0} and at most --epochs ({s.Epochs}), got {stop}.");
        int lastEpoch = stopAfter ?? s.Epochs;

        // Under mpirun with several ranks: every rank trains, rank 0 alone writes (DistributedRun).
        using var distributed = DistributedRun.Start(s);
        if (distributed is null) return Train(s, method, resumePath, resumeInfo, lastEpoch, cancellation, null, extra);
        int code;
        try { code = Train(s, method, resumePath, resumeInfo, lastEpoch, cancellation, distributed, extra); }
        catch (Exception e)
        {
            distributed.Fail(e, context.Error);
            throw;
        }
        distributed.Finish(code);
        return code;
    }

    private int Train(TrainSettings s, TrainingMethod method, string? resumePath, CheckpointInfo? resumeInfo, int lastEpoch,
        CancellationToken cancellation, DistributedRun? distributed, RunOutputs extra)
    {
        TrainingSetup.ApplyThreads(DistributedRun.ThreadsPerRank(s.Threads));
        ProcessPeakMemory.Reset(); // summary.json's peak is this run's, also when an earlier run of a sweep used this process
        var splits = DatasetRegistry.Load(s.Data, new DataOptions { DataDirectory = s.DataDir, Normalization = Normalization(s.Normalize) });
        var (train, validation) = s.Validation > 0 ? splits.Train.Split(s.Validation, s.Seed) : (splits.Train, (Dataset?)null);
        // Readers refuse empty files; a validation fraction can still empty a split, and NaN accuracy is not a result.
        if (train.Count == 0 || validation is { Count: 0 })
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"--validation {s.Validation} leaves {train.Count} training and {validation?.Count ?? 0} validation samples of {splits.Train.Count}; use a fraction such as 0.1."));
        if (splits.Test.Count == 0) throw new DataException($"{s.Data}: the test split is empty ({splits.Source}); download the dataset again.", splits.Source);
        // --limit-*-batches keep a prefix of each pass; everything downstream (schedules, methods) counts the kept batches.
        // Evaluation batches have the training batch size, so the evaluation pass runs in the training step's buffers.
        var trainBatches = LimitedBatchSource.Wrap(new DataLoaderSource(train, s.BatchSize, shuffle: true, Rng.Derive(s.Seed, "data.order").NextUInt64(),
            s.Augment ? Augmentation.Cifar : null), s.LimitTrainBatches);
        var testBatches = LimitedBatchSource.Wrap(new DataLoaderSource(splits.Test, s.BatchSize, shuffle: false), s.LimitEvalBatches);
        var validationBatches = validation is null ? null : LimitedBatchSource.Wrap(new DataLoaderSource(validation, s.BatchSize, shuffle: false), s.LimitEvalBatches);
        IBatchSource trainSource = distributed?.DataParallel.Shard(trainBatches) ?? trainBatches;

        var model = method.BuildModel(s, train.ImageShape, train.ClassCount, Rng.Derive(s.Seed, "model.init"));
        var trainer = new Trainer(model, TrainingSetup.Optimizer(s, model), TrainingSetup.Schedule(s, trainBatches.BatchesPerEpoch),
            TrainingSetup.Options(s));
        if (distributed is not null) trainer.Callbacks.Add(distributed.DataParallel); // first: methods read the summed gradients
        foreach (var callback in method.Callbacks(trainer, s, trainBatches.BatchesPerEpoch)) trainer.Callbacks.Add(callback);
        var notes = new List<string>(EmptyLayerWarnings(model));
        var recipe = Recipes.TostRecipe.Apply(s, trainer, () => new DataLoaderSource(train, s.BatchSize, shuffle: true, Rng.Derive(s.Seed, "tost.lrsi").NextUInt64()),
            trainSource.BatchesPerEpoch, resumeInfo?.Step ?? 0, notes.Add, distributed?.DataParallel.Communicator.Size ?? 1,
            resumeInfo?[Recipes.TostRecipe.LrsiMetadataKey]);
        // After the method's callbacks exist: they restore their own state (topology, counters, random streams).
        if (resumePath is not null) Checkpoint.Restore(resumePath, trainer);
        if (distributed is { IsRoot: false }) return distributed.RunWorker(trainer, trainSource, testBatches, validationBatches, lastEpoch, cancellation);

        using var run = OpenRunDirectory(s, resumePath, resumeInfo);
        string configYaml = ConfigFile.ToYaml(s);
        run.WriteText(RunDirectory.ConfigFile, configYaml);
        using var log = run.OpenLog();
        string header = Header(s, splits, train, validation, model) + (distributed is null ? "" : $" | {distributed.DataParallel.Communicator.Size} ranks (MPI)");
        log.WriteLine($"# {DateTime.Now:yyyy-MM-dd HH:mm:ss}  sprout {string.Join(' ', context.Arguments)}");
        log.WriteLine(header);
        if (resumePath is not null) log.WriteLine($"resumed from {resumePath} after epoch {trainer.CompletedEpochs}");
        foreach (string line in notes) log.WriteLine(line);

        trainer.Callbacks.Add(new MetricsCallback(run));
        var metadata = new Dictionary<string, string>
        {
            [TrainCommand.ConfigMetadataKey] = configYaml,
            ["sprout.dataset"] = s.Data,
            ["sprout.model"] = s.Model,
            ["sprout.method"] = s.Method,
            ["sprout.seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (recipe?["lrsi"] is { } lrsi) metadata[Recipes.TostRecipe.LrsiMetadataKey] = lrsi.ToJsonString();
        if (splits.Normalization is { } norm)
            metadata[Checkpoint.NormalizationKey] = string.Create(CultureInfo.InvariantCulture,
                $"mean={string.Join(",", norm.Mean.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))};std={string.Join(",", norm.Std.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
        var checkpoints = new CheckpointCallback(run, metadata, resumeInfo is null ? double.NegativeInfinity : CheckpointCallback.BestAccuracyOf(resumeInfo));
        trainer.Callbacks.Add(checkpoints);
        extra.Attach(trainer, run, train.ImageShape);

        bool interactive = context.IsTerminal && !s.Plain;
        IAnsiConsole? console = interactive ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Output) }) : null;
        WriteLine(console, header);
        WriteLine(console, $"run: {run.FullPath}");
        foreach (string line in notes) WriteLine(console, line);
        // Dense methods have no sparsity driver; their table (density 1) still shows every layer's shape.
        if ((method.LayerTable() ?? DenseTable(model)) is string table)
        {
            log.Write(table);
            WriteLine(console, table.TrimEnd());
        }
        var logReporter = new PlainProgressReporter(log);

        string status = lastEpoch < s.Epochs ? "stopped" : "completed";
        int exitCode = ExitCodes.Ok;
        try
        {
            if (console is not null)
            {
                var spectre = new SpectreProgressReporter(console);
                trainer.Progress = new CompositeProgressReporter(spectre, logReporter);
                spectre.Run(() => trainer.Fit(trainSource, testBatches, lastEpoch, validationBatches, cancellation));
            }
            else
            {
                trainer.Progress = new CompositeProgressReporter(new PlainProgressReporter(context.Output), logReporter);
                trainer.Fit(trainSource, testBatches, lastEpoch, validationBatches, cancellation);
            }
        }
        catch (NonFiniteLossException e)
        {
            status = "non_finite_loss";
            exitCode = ExitCodes.NonFiniteLoss;
            string kept = File.Exists(run.PathOf(RunDirectory.LastCheckpointFile))
                ? $"the last good checkpoint is {run.PathOf(RunDirectory.LastCheckpointFile)}"
                : "no epoch finished, so there is no checkpoint";
            string message = $"{e.Message} Training stopped; {kept}. Try a lower --lr (was {s.Lr!.Value.ToString(CultureInfo.InvariantCulture)}).";
            log.WriteLine("error: " + message);
            context.Error.WriteLine("error: " + message);
        }
        catch (OperationCanceledException)
        {
            status = "cancelled";
            exitCode = ExitCodes.Cancelled;
            log.WriteLine("interrupted");
            string last = run.PathOf(RunDirectory.LastCheckpointFile);
            context.Error.WriteLine(File.Exists(last)
                ? $"Interrupted after epoch {trainer.CompletedEpochs}; resume with: sprout train --resume {last}"
                : "Interrupted before the first epoch finished, so there is no checkpoint to resume from; start the run again.");
        }

        var summary = Summarize(s, method, model, run, status) with { WorldSize = distributed?.DataParallel.Communicator.Size ?? 1, Distributed = distributed?.DataParallel.Summary(),
            Recipe = Recipes.TostRecipe.Finish(recipe, trainer) };
        run.WriteSummary(summary);
        if (extra.Finish(run) is string written)
        {
            log.WriteLine(written);
            WriteLine(console, written);
        }
        if (exitCode == ExitCodes.Ok)
        {
            string done = string.Create(CultureInfo.InvariantCulture,
                $"done: test accuracy {100 * summary.TestAccuracy:F2}% (best {100 * summary.BestTestAccuracy:F2}% at epoch {summary.BestEpoch}), " +
                $"{summary.TrainSeconds:F1} s training, median epoch {summary.EpochSecondsMedian:F2} s");
            log.WriteLine(done);
            WriteLine(console, done);
            WriteLine(console, $"results: {run.PathOf(RunDirectory.SummaryFile)}");
        }
        return exitCode;
    }

    /// <summary>Every check on the settings alone (no data, no model built); returns the run's method.</summary>
    /// <exception cref="UsageException">A setting is invalid or the combination makes no sense.</exception>
    public static TrainingMethod Validate(TrainSettings s)
    {
        var method = MethodRegistry.Get(s.Method).ForRun();
        TrainingSetup.Validate(s);
        Recipes.TostRecipe.Resolve(s);
        RefuseUnusedSettings(method, s);
        method.Validate(s);
        if (!DatasetRegistry.IsKnown(s.Data))
            throw new UsageException($"Unknown dataset '{s.Data}'; valid: {string.Join(", ", DatasetRegistry.Names)} (see `sprout data list`).");
        SettingsSanity.Check(s); // before ModelRegistry.Validate, which builds the (hidden) layers
        Models.ModelRegistry.Validate(s.Model, s.Data);
        return method;
    }

    // A setting the method would silently ignore is refused: the run would not be the experiment its config claims.
    private static void RefuseUnusedSettings(TrainingMethod method, TrainSettings s)
    {
        if (s.MaskFrom is not null && !method.ReadsMaskFrom)
            throw new UsageException($"--mask-from works with --method magnitude only (a trained dense run's magnitudes, rewound to its initial weights), not --method {s.Method}.");
        if (s.SparseInit != new TrainSettings().SparseInit && !method.DrawsSparseInit)
            throw new UsageException($"--sparse-init {s.SparseInit} has no effect with --method {s.Method} (it keeps pruned, rewound or dense weights); " +
                "use it with static, set, rigl, gse*, dst-ee or snfs*, or drop it.");
    }

    private void WriteLine(IAnsiConsole? console, string text)
    {
        if (console is null) context.Output.WriteLine(text);
        else console.MarkupLine(Markup.Escape(text));
    }

    /// <summary>Maps --normalize onto the data layer's mode (also used by methods that score on a data batch).</summary>
    internal static NormalizationMode Normalization(string name) => name switch
    {
        "none" => NormalizationMode.None,
        "train" => NormalizationMode.TrainStatistics,
        _ => NormalizationMode.Published,
    };

    private static RunDirectory OpenRunDirectory(TrainSettings s, string? resumePath, CheckpointInfo? resumeInfo)
    {
        try
        {
            // Resuming continues the checkpoint's own run folder unless another folder is named.
            string? resumeDir = resumePath is null ? null : Path.GetDirectoryName(Path.GetFullPath(resumePath));
            bool sameFolder = s.Out is not null && resumeDir is not null && Path.GetFullPath(s.Out).TrimEnd('/') == resumeDir.TrimEnd('/');
            if (resumeDir is not null && resumeInfo is not null && s.Name is null && (s.Out is null || sameFolder))
                return RunDirectory.Continue(resumeDir, resumeInfo.Epoch);
            if (s.Out is not null) return RunDirectory.Create(s.Out, s.Overwrite);
            if (s.Name is not null)
            {
                if (s.Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || s.Name is "." or "..")
                    throw new UsageException($"--name '{s.Name}' is not a valid folder name; use --out for a path.");
                return RunDirectory.Create(Path.Combine("runs", s.Name), s.Overwrite);
            }
            // Default names carry a timestamp; two runs in the same second get -2, -3, … instead of an error.
            string name = RunDirectory.DefaultName(s.Data, s.Model, s.Method, DateTime.Now);
            for (int i = 2; ; i++)
            {
                string path = Path.Combine("runs", i == 2 ? name : $"{name}-{i - 1}");
                if (RunDirectory.IsFree(path)) return RunDirectory.Create(path, overwrite: false);
            }
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new UsageException(e.Message, e);
        }
    }

    // A weight layer left without a live weight cuts its path (pruning at init can collapse a layer at high sparsity): on
    // the only path the run would train to chance and look like a result, so say so before it starts. A residual
    // shortcut that collapses still leaves the block's main branch, so the warning does not claim more than that.
    private static IEnumerable<string> EmptyLayerWarnings(Module model) =>
        model.EmptyWeightLayers().Select(path => $"warning: layer {path} has no live weights, so no signal passes it (layer collapse at this density); " +
            "unless another path bypasses it (a residual block's other branch) the run cannot learn past it: use a higher --density or another method");

    private static string Header(TrainSettings s, DatasetSplits splits, Dataset train, Dataset? validation, Module model)
    {
        long parameters = model.NamedParameters().Sum(p => (long)p.Tensor.Size);
        string split = validation is null ? $"{train.Count} train / {splits.Test.Count} test" : $"{train.Count} train / {validation.Count} val / {splits.Test.Count} test";
        string optimizer = s.Optimizer == "sgd"
            ? $"sgd lr {Num(s.Lr!.Value)} momentum {Num(s.Momentum)}{(s.Nesterov && s.Momentum > 0 ? " nesterov" : "")}"
            : $"{s.Optimizer} lr {Num(s.Lr!.Value)}";
        return $"sprout {Checkpoint.Version} | {s.Data} ({split}, {train.ImageShape}, {train.ClassCount} classes) | {s.Model} ({parameters:N0} params) | " +
               $"{s.Method} | {optimizer} wd {Num(s.WeightDecay!.Value)} | {s.Schedule} | batch {s.BatchSize}{(s.Augment ? " crop+flip" : "")} | {s.Epochs} epochs | seed {s.Seed}" +
               (s.LimitTrainBatches is int lt ? $" | limited to {lt} train batches/epoch" : "") + (s.LimitEvalBatches is int le ? $" | limited to {le} eval batches" : "");
    }

    private static string? DenseTable(Module model)
    {
        var rows = Sprout.Training.Sparsity.LayerRow.Of(model);
        return rows.Count == 0 ? null : Sprout.Training.Sparsity.LayerRow.Format(rows);
    }

    private static string Num(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static RunSummary Summarize(TrainSettings s, TrainingMethod method, Module model, RunDirectory run, string status)
    {
        // Read back metrics.jsonl so a resumed run's summary covers the epochs of earlier processes too.
        var epochs = run.ReadMetrics();
        var best = epochs.Count == 0 ? default : epochs.MaxBy(e => e.TestAccuracy);
        long total = 0, nonzero = 0;
        foreach (var (_, t) in model.NamedParameters())
        {
            total += t.Size;
            foreach (float v in t.Data) if (v != 0f) nonzero++;
        }
        return new RunSummary
        {
            Dataset = s.Data,
            Model = s.Model,
            Method = s.Method,
            Density = method.Density(s),
            Epochs = epochs.Count == 0 ? 0 : epochs[^1].Epoch,
            TestAccuracy = epochs.Count == 0 ? double.NaN : epochs[^1].TestAccuracy,
            TestLoss = epochs.Count == 0 ? double.NaN : epochs[^1].TestLoss,
            BestTestAccuracy = epochs.Count == 0 ? double.NaN : best.TestAccuracy,
            BestEpoch = best.Epoch,
            TrainSeconds = epochs.Sum(e => e.Seconds),
            EpochSecondsMedian = RunSummary.Median(epochs.Select(e => e.Seconds).ToList()),
            ParamsTotal = total,
            ParamsNonzero = nonzero,
            Seed = s.Seed,
            Version = SproutCli.Version, // with the commit ("0.1.0+<sha>"), so a table row can be traced to its code
            Status = status,
            Config = ConfigFile.ToJson(s),
            Sparsity = method.Summary(),
            PeakMemoryMb = PeakMemoryMb(run),
        };
    }

    // This run's peak resident set in this process, or an earlier process's if this run was resumed and that one peaked higher.
    private static double PeakMemoryMb(RunDirectory run)
    {
        double peak = ProcessPeakMemory.MiB();
        string previous = run.PathOf(RunDirectory.SummaryFile);
        if (!File.Exists(previous)) return peak;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(previous));
            return doc.RootElement.TryGetProperty("peak_memory_mb", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Number
                ? Math.Max(peak, p.GetDouble()) : peak;
        }
        catch (System.Text.Json.JsonException)
        {
            return peak; // an unreadable old summary is replaced below; its peak is lost, not this run
        }
    }
}
