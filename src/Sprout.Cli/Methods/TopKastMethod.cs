// TopKastMethod: `--method topkast` (Jayakumar et al. 2020). Every weight layer of the model becomes a TopKastLinear
// with forward density D from the --density/--distribution allocation and backward extra M (--topkast-backward,
// default M = D, capped at 1 − D), refreshed every --topkast-refresh steps. The exploration regularizer λ
// (--topkast-lambda, penalty λ·Σθ² on A and λ/D·Σθ² on B\A) replaces weight decay on the Top-KAST weights, so the
// optimizer's --weight-decay skips them (never the reservoir) and still applies to every other parameter (BatchNorm,
// biases, dense layers outside the budget), as in any other run.
// --topkast-reservoir picks the dense (published) or compact reservoir.
// Per-layer nnz in the table and summary is the forward set |A|; the summary adds the backward set |B|.
using System.Text.Json.Nodes;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Sparse.Allocation;
using Sprout.Training;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Methods;

/// <summary>Top-KAST training of any --model built from a layer factory.</summary>
public sealed class TopKastMethod : TrainingMethod
{
    private Module? _model;
    private ITopKastLayer[] _layers = [];
    private SparseTrainingDriver? _driver;
    private TopKastRefreshCallback? _refresh;

    /// <inheritdoc/>
    public override string Name => "topkast";

    /// <inheritdoc/>
    public override string Description => "Top-KAST (Jayakumar et al. 2020): forward top-D, gradients on top-(D+M), exploration regularizer";

    /// <inheritdoc/>
    public override void Validate(TrainSettings s)
    {
        if (s.Density >= 1) throw new UsageException($"--density must be below 1 for --method topkast, got {s.Density}; use --method dense for a dense model.");
        if (s.TopKastBackward is double m && s.Density + m > 1)
            throw new UsageException($"--topkast-backward must be at most 1 - --density ({1 - s.Density:0.####}), got {m}.");
    }

    /// <inheritdoc/>
    public override TrainingMethod ForRun() => new TopKastMethod();

    /// <inheritdoc/>
    public override double Density(TrainSettings s) => s.Density;


    /// <inheritdoc/>
    /// <remarks>Any --model: recorded shapes → densities by --distribution → every weight layer a TopKastLinear (TopKastLayerFactory).</remarks>
    public override Module BuildModel(TrainSettings s, ImageShape input, int classes, Rng rng)
    {
        var build = Builder(s, input, classes);
        var plan = RecordingLayerFactory.Plan(build, new DensityAllocationOptions(s.Density, Distribution(s.Distribution))
        {
            DenseFirstLayer = s.DenseFirstLayer, DenseLastLayer = s.DenseLastLayer,
        });
        var options = new TopKastOptions(s.TopKastBackward, (float)s.TopKastLambda, s.TopKastRefresh, s.TopKastPenalty == "squared",
            s.TopKastReservoir == "compact" ? TopKastReservoirKind.Compact : TopKastReservoirKind.Dense);
        _model = build(new TopKastLayerFactory(plan, rng, options));
        _layers = _model.LayersOf<ITopKastLayer>().Select(l => l.Layer).ToArray();
        return _model;
    }

    /// <inheritdoc/>
    public override IEnumerable<ITrainingCallback> Callbacks(Trainer trainer, TrainSettings s, int stepsPerEpoch)
    {
        // The Top-KAST weights are decayed by the layers' own penalty (on A and B\A, never the reservoir); every other
        // parameter (BatchNorm, biases, dense layers outside the budget) keeps the run's --weight-decay like in any other run.
        trainer.Optimizer.ExcludeFromWeightDecay(_model!.LayersOf<ITopKastLayer>().Select(l => l.Path + ".weight"));
        _driver = new SparseTrainingDriver(_model!, null, null);
        _refresh = new TopKastRefreshCallback(_layers);
        return [new SparsityCallback(_driver), _refresh];
    }

    /// <inheritdoc/>
    public override string? LayerTable() => _driver?.LayerTable();

    /// <inheritdoc/>
    public override JsonObject? Summary()
    {
        if (_driver is null) return null;
        var summary = _driver.Summary();
        var layers = summary["layers"]!.AsArray();
        for (int i = 0; i < layers.Count; i++) layers[i]!["backward_nnz"] = _layers[i].BackwardCount;
        summary["topology_updates"] = _refresh?.Refreshes ?? 0;
        return summary;
    }

    /// <summary>The allocation named by --distribution.</summary>
    internal static DensityDistribution Distribution(string name) => name switch
    {
        "uniform" => DensityDistribution.Uniform,
        "er" => DensityDistribution.ErdosRenyi,
        _ => DensityDistribution.ErdosRenyiKernel,
    };
}
