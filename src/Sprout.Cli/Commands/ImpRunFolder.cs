// ImpRunFolder: the run folder of `sprout prune imp` (issue 11, defect 11), so a lottery-ticket run can be evaluated
// and reused like any other: runs/<name>/ holds summary.json (one row per round) and round-<r>/ with config.yaml and
// best.safetensors (the round's trained, pruned model). Each round's config describes a `static` sparse model of the
// round's layer kind, which is what `sprout eval` needs to rebuild it; the structure itself comes from the file.
// Kept apart from PruneCommand so the pruning driver stays about pruning.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sprout.Cli.Config;
using Sprout.Training;
using Sprout.Training.Checkpoints;
using Sprout.Training.Runs;

namespace Sprout.Cli.Commands;

/// <summary>Writes an IMP run's folder: a sub-run per round and a summary.</summary>
public sealed class ImpRunFolder : IDisposable
{
    private readonly RunDirectory _run;
    private readonly TrainSettings _settings;
    private readonly JsonArray _rounds = [];

    private ImpRunFolder(RunDirectory run, TrainSettings settings) => (_run, _settings) = (run, settings);

    /// <summary>The folder's absolute path.</summary>
    public string FullPath => _run.FullPath;

    /// <summary>
    /// Creates (and locks) the folder: <paramref name="outPath"/>, or runs/&lt;data&gt;-&lt;model&gt;-imp-&lt;time&gt;.
    /// <paramref name="settings"/> describe one round's training (data, model, seed, epochs, batch size, lr, layer kind).
    /// </summary>
    /// <exception cref="UsageException">The folder exists (without --overwrite), holds files that are not Sprout's, or is in use.</exception>
    public static ImpRunFolder Open(string? outPath, bool overwrite, TrainSettings settings)
    {
        string path = outPath ?? Path.Combine("runs", RunDirectory.DefaultName(settings.Data, settings.Model, "imp", DateTime.Now));
        try
        {
            return new ImpRunFolder(RunDirectory.Create(path, overwrite), settings);
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            throw new UsageException(e.Message, e);
        }
    }

    /// <summary>Writes round-&lt;r&gt;/config.yaml and round-&lt;r&gt;/best.safetensors for a trained round.</summary>
    public void SaveRound(int round, double density, Trainer trainer, double testAccuracy)
    {
        using var child = _run.CreateChild($"round-{round}");
        var s = Copy(_settings);
        s.Method = "static";
        // Round 0 is dense, but `static` needs a density below 1; the structure comes from the file either way.
        s.Density = Math.Min(density, 0.999999);
        s.Normalize = "none"; // prune imp reads pixels in [0, 1] without standardization
        string yaml = ConfigFile.ToYaml(s);
        child.WriteText(RunDirectory.ConfigFile, yaml);
        var metadata = new Dictionary<string, string>
        {
            [TrainCommand.ConfigMetadataKey] = yaml,
            ["sprout.dataset"] = s.Data,
            ["sprout.model"] = s.Model,
            ["sprout.method"] = "imp",
            ["sprout.seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
            ["sprout.imp_round"] = round.ToString(CultureInfo.InvariantCulture),
            ["sprout.test_accuracy"] = testAccuracy.ToString("R", CultureInfo.InvariantCulture),
        };
        trainer.CompletedEpochs = s.Epochs;
        Checkpoint.Save(child.RecordFile(RunDirectory.BestCheckpointFile), trainer, metadata);
        _rounds.Add(new JsonObject
        {
            ["round"] = round,
            ["density"] = density,
            ["test_accuracy"] = testAccuracy,
            ["checkpoint"] = $"round-{round}/{RunDirectory.BestCheckpointFile}",
        });
        WriteSummary("running");
    }

    /// <summary>Rewrites summary.json with the rounds so far and <paramref name="status"/>.</summary>
    public void WriteSummary(string status)
    {
        var summary = new JsonObject
        {
            ["method"] = "imp",
            ["dataset"] = _settings.Data,
            ["model"] = _settings.Model,
            ["seed"] = _settings.Seed,
            ["version"] = SproutCli.Version,
            ["status"] = status,
            ["rounds"] = _rounds.DeepClone(),
        };
        _run.WriteText(RunDirectory.SummaryFile, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Live weights over dense weights across the model's weight layers.</summary>
    public static double DensityOf(Sprout.Nn.Module model)
    {
        long live = 0, dense = 0;
        foreach (var m in model.Modules()) // the whole module tree: layers nested in blocks count too
        {
            if (m is Sprout.Sparse.ISparseLayer sparse)
            {
                live += sparse.Topology.Nnz;
                dense += (long)sparse.Topology.Rows * sparse.Topology.Cols;
            }
            else if (m is Sprout.Nn.Linear linear)
            {
                live += linear.Weight.Size;
                dense += linear.Weight.Size;
            }
        }
        return dense == 0 ? 1 : live / (double)dense;
    }

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => _run.Dispose();

    private static TrainSettings Copy(TrainSettings s)
    {
        var copy = new TrainSettings();
        ConfigFile.ApplyText(ConfigFile.ToYaml(s), "settings", copy);
        return copy;
    }
}
