// TrainingMethod: the CLI's extension point for --method. A method may build a different model for the
// same --model spec (by calling the spec's builder with its own layer factory), check its own settings, and attach callbacks to
// the trainer (topology updates after optimizer steps). Dense training overrides nothing.
// To add a method: subclass this, add settings to SettingsTable if needed, and list it in MethodRegistry.
using Sprout.Cli.Config;
using Sprout.Cli.Models;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Cli.Methods;

/// <summary>A way of training a model, selected with --method.</summary>
public abstract class TrainingMethod
{
    /// <summary>Name used with --method.</summary>
    public abstract string Name { get; }

    /// <summary>One line for help and `--method` errors.</summary>
    public abstract string Description { get; }

    /// <summary>Checks method-specific settings before anything is loaded.</summary>
    /// <exception cref="UsageException">A setting is invalid for this method.</exception>
    public virtual void Validate(TrainSettings settings) { }

    /// <summary>True if the model starts from random sparse weights, which --sparse-init scales; pruned, rewound and dense models do not.</summary>
    public virtual bool DrawsSparseInit => false;

    /// <summary>True if the method reads a trained dense run's checkpoint (--mask-from).</summary>
    public virtual bool ReadsMaskFrom => false;

    /// <summary>Target density reported in summary.json (1 for dense).</summary>
    public virtual double Density(TrainSettings settings) => 1.0;

    /// <summary>Builds the model; the default is the --model spec's model with dense layers (<see cref="DenseLayerFactory"/>).</summary>
    public virtual Module BuildModel(TrainSettings settings, ImageShape input, int classes, Rng rng) =>
        Builder(settings, input, classes)(new DenseLayerFactory(rng));

    /// <summary>The --model spec's builder for this dataset: a method chooses the layer factory it is called with.</summary>
    protected static Func<ILayerFactory, Module> Builder(TrainSettings settings, ImageShape input, int classes) =>
        ModelRegistry.Builder(settings.Model, input, classes, settings.Seed);

    /// <summary>Callbacks to attach to the trainer (e.g. a topology scheduler); none by default.</summary>
    public virtual IEnumerable<ITrainingCallback> Callbacks(Trainer trainer, TrainSettings settings, int stepsPerEpoch) => [];

    /// <summary>The instance one training run uses: methods that keep per-run state (the model, counters) return a fresh copy.</summary>
    public virtual TrainingMethod ForRun() => this;


    /// <summary>A per-layer table (shape, density, nnz) to print when training starts (null: none).</summary>
    public virtual string? LayerTable() => null;

    /// <summary>Entries for summary.json's "sparsity" object after training (null: none).</summary>
    public virtual System.Text.Json.Nodes.JsonObject? Summary() => null;
}
