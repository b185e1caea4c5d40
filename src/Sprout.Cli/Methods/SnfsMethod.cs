// SnfsMethod: `--method snfs`, sparse momentum as published (Dettmers & Zettlemoyer 2019): MaskedLinear/MaskedConv2d
// layers with MaskGradients = false (so SGD's momentum is an EMA of the dense gradient), the mask re-applied after every step,
// and at every epoch end (its last step) pruning at a cosine-decayed rate from --snfs-prune-rate with regrowth by
// momentum magnitude and budget redistribution across layers by mean |momentum| (--snfs-redistribute), all through
// the shared TopologyScheduler. Dense compute (FLOPs relative to dense = 1), as in the paper; `snfs-sparse` is the
// always-sparse variant. --layer-kind is forced to masked.
using System.Text.Json.Nodes;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Cli.Methods;

/// <summary>Published sparse momentum (SNFS) on masked dense layers.</summary>
public sealed class SnfsMethod : TrainingMethod
{
    private readonly SparseMethod _inner = new("snfs", "masked-layer base of snfs", configured: UpdaterFactories.SparseMomentum, schedule: UpdaterFactories.SnfsSchedule);

    /// <inheritdoc/>
    public override string Name => "snfs";

    /// <inheritdoc/>
    public override string Description => "sparse momentum (Dettmers & Zettlemoyer 2019) as published: masked layers, momentum growth, epoch-end redistribution";

    /// <inheritdoc/>
    public override void Validate(TrainSettings s)
    {
        _inner.Validate(s);
        if (s.Optimizer != "sgd" || s.Momentum <= 0)
            throw new UsageException($"--method snfs grows by SGD momentum: use --optimizer sgd with --momentum > 0 (got {s.Optimizer}, momentum {s.Momentum}).");
    }

    /// <inheritdoc/>
    public override TrainingMethod ForRun() => new SnfsMethod();

    /// <inheritdoc/>
    public override bool DrawsSparseInit => true;

    /// <inheritdoc/>
    public override double Density(TrainSettings s) => s.Density;


    /// <inheritdoc/>
    public override Module BuildModel(TrainSettings s, ImageShape input, int classes, Rng rng)
    {
        s.LayerKind = "masked";
        var model = _inner.BuildModel(s, input, classes, rng);
        foreach (var layer in model.Modules().OfType<MaskedLinear>()) layer.MaskGradients = false;
        foreach (var layer in model.Modules().OfType<MaskedConv2d>()) layer.MaskGradients = false;
        return model;
    }

    /// <inheritdoc/>
    public override IEnumerable<ITrainingCallback> Callbacks(Trainer trainer, TrainSettings s, int stepsPerEpoch) =>
        _inner.Callbacks(trainer, s, stepsPerEpoch);

    /// <inheritdoc/>
    public override string? LayerTable() => _inner.LayerTable();

    /// <inheritdoc/>
    public override JsonObject? Summary() => _inner.Summary();
}
