// TopKastMethod: `--method topkast` (Jayakumar et al. 2020). Every weight layer of the MLP becomes a TopKastLinear
// with forward density D from the --density/--distribution allocation and backward extra M (--topkast-backward,
// default M = D, capped at 1 − D), refreshed every --topkast-refresh steps. The exploration regularizer λ
// (--topkast-lambda) replaces weight decay, so the optimizer's weight decay is set to 0 (recorded in config.yaml).
// --topkast-reservoir picks the dense (published) or compact reservoir.
// Per-layer nnz in the table and summary is the forward set |A|; the summary adds the backward set |B|.
using System.Globalization;
using System.Text.Json.Nodes;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse.Allocation;
using Sprout.Training;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Methods;

/// <summary>Top-KAST training of an MLP.</summary>
public sealed class TopKastMethod : TrainingMethod
{
    private Sequential? _model;
    private TopKastLinear[] _layers = [];
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
    public override Module BuildModel(TrainSettings s, int inputs, int classes, Rng rng)
    {
        var dense = base.BuildModel(s, inputs, classes, rng) as Sequential
            ?? throw new UsageException("--method topkast needs an MLP model (e.g. --model mlp:300,100).");
        var linears = dense.Layers.OfType<Linear>().ToArray();
        var shapes = linears.Select((l, i) => new LayerShape((1 + 2 * i).ToString(CultureInfo.InvariantCulture), l.OutFeatures, l.InFeatures)).ToArray();
        var densities = DensityAllocation.Allocate(shapes, new DensityAllocationOptions(s.Density, Distribution(s.Distribution)));
        s.WeightDecay = 0;
        _model = new Sequential(new Flatten());
        _layers = new TopKastLinear[linears.Length];
        for (int l = 0; l < linears.Length; l++)
        {
            double d = densities[l];
            double m = Math.Min(s.TopKastBackward ?? d, 1 - d);
            _layers[l] = new TopKastLinear(linears[l].InFeatures, linears[l].OutFeatures, d, m, rng, (float)s.TopKastLambda, s.TopKastRefresh,
                s.TopKastPenalty == "squared", reservoir: s.TopKastReservoir == "compact" ? TopKastReservoirKind.Compact : TopKastReservoirKind.Dense);
            _model.Add(_layers[l]);
            if (l < linears.Length - 1) _model.Add(new Relu());
        }
        return _model;
    }

    /// <inheritdoc/>
    public override IEnumerable<ITrainingCallback> Callbacks(Trainer trainer, TrainSettings s, int stepsPerEpoch)
    {
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
