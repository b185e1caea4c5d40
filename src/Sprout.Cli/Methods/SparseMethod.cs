// SparseMethod: every sparse --method of the topology work (static, set, rigl, snip, grasp, synflow, magnitude, gmp)
// and the updaters configured from settings (gse*, dst-ee, snfs-sparse; an optional schedule overrides the shared one),
// configured by the row MethodRegistry lists for it. It builds the sparse model from the --model builder and a layer
// factory (recorded shapes → allocation → layers of --layer-kind, or pruning-at-init masks scored on the dense build),
// the schedule from --update-every/--end-fraction/--drop-fraction/--decay,
// and a SparsityCallback; summary.json gets per-layer density/nnz and FLOPs relative to dense.
using System.Text.Json.Nodes;
using Sprout.Cli.Commands;
using Sprout.Cli.Config;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Pruning;
using Sprout.Sparse.Topology;
using Sprout.Training;
using Sprout.Training.Sparsity;

namespace Sprout.Cli.Methods;

/// <summary>A sparse training method: a topology updater, a pruning-at-init criterion, GMP, or static.</summary>
public sealed class SparseMethod(string name, string description, Func<ITopologyUpdater>? updater = null, PruningCriterion? pruning = null, bool gmp = false,
    Func<TrainSettings, ITopologyUpdater>? configured = null, Func<TrainSettings, int, UpdateSchedule>? schedule = null,
    Action<TrainSettings>? check = null)
    : TrainingMethod
{
    private Module? _model;
    private SparsityCallback? _callback;
    private GradualMagnitudePruner? _gmp;

    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override string Description => description;

    /// <inheritdoc/>
    public override void Validate(TrainSettings s)
    {
        if (s.Density >= 1) throw new UsageException($"--density must be below 1 for --method {name}, got {s.Density}; use --method dense for a dense model.");
        if ((updater is not null || configured is not null) && schedule is null && s.EndFraction <= 0) throw new UsageException($"--end-fraction must be > 0 for --method {name}, got {s.EndFraction}.");
        if (s.MaskFrom is not null && ReadsMaskFrom) TrainedMaskSource.Check(s.MaskFrom, s);
        if (gmp && (s.DenseFirstLayer || s.DenseLastLayer))
            throw new UsageException("--method gmp prunes every weight layer to the same sparsity; drop --dense-first-layer/--dense-last-layer, or use a method that allocates per layer (e.g. static, rigl).");
        check?.Invoke(s);
    }

    /// <inheritdoc/>
    /// <remarks>The registry's instance is shared; each run gets its own, since the model and counters are per run.</remarks>
    public override TrainingMethod ForRun() => new SparseMethod(name, description, updater, pruning, gmp, configured, schedule, check);

    /// <inheritdoc/>
    public override bool DrawsSparseInit => pruning is null && !gmp;

    /// <inheritdoc/>
    public override bool ReadsMaskFrom => pruning == PruningCriterion.Magnitude;

    /// <inheritdoc/>
    public override double Density(TrainSettings s) => s.Density;


    /// <inheritdoc/>
    /// <remarks>
    /// Any --model: its builder is run once on a recording factory (shapes → densities by --distribution), then for real with
    /// a sparse factory of --layer-kind; pruning at init scores the dense build and builds the sparse model from its masks; GMP
    /// trains the dense build.
    /// </remarks>
    public override Module BuildModel(TrainSettings s, ImageShape input, int classes, Rng rng)
    {
        var build = Builder(s, input, classes);
        var kind = s.LayerKind == "masked" ? SparseLayerKind.Masked : SparseLayerKind.Csr;
        if (gmp)
        {
            _model = build(new DenseLayerFactory(rng));
            return _model;
        }
        var distribution = s.Distribution switch { "uniform" => DensityDistribution.Uniform, "er" => DensityDistribution.ErdosRenyi, _ => DensityDistribution.ErdosRenyiKernel };
        var plan = RecordingLayerFactory.Plan(build, new DensityAllocationOptions(s.Density, distribution) { DenseFirstLayer = s.DenseFirstLayer, DenseLastLayer = s.DenseLastLayer });
        if (pruning is null)
        {
            var init = s.SparseInit == "dense-fan-in" ? SparseInitMode.DenseFanIn : SparseInitMode.FanInAware;
            _model = build(new SparseLayerFactory(plan, rng, kind, init)).WithSparseLayerNames();
            return _model;
        }
        if (s.MaskFrom is not null)
        {
            // Lottery ticket, one round: the largest |w| of the trained dense run, rewound to that run's initial values.
            var (trained, initial) = TrainedMaskSource.Load(s.MaskFrom, s, input, classes);
            _model = build(new PrunedLayerFactory(RewoundMagnitude.Layers(trained, initial, plan.Densities), rng, kind)).WithSparseLayerNames();
            return _model;
        }
        var dense = build(new DenseLayerFactory(rng));
        Tensor? x = null;
        int[]? labels = null;
        if (pruning is PruningCriterion.Snip or PruningCriterion.Grasp)
        {
            // One scoring batch from the training split, normalized as training will be.
            var train = DatasetRegistry.Load(s.Data, new DataOptions { DataDirectory = s.DataDir, Normalization = TrainRunner.Normalization(s.Normalize) }).Train;
            var loader = new DataLoader(train, new DataLoaderOptions { BatchSize = Math.Min(train.Count, Math.Max(s.BatchSize, 10 * classes)), Shuffle = true, Seed = s.Seed, Flatten = true });
            loader.StartEpoch(0);
            loader.MoveNext();
            x = loader.Inputs;
            labels = loader.Labels.ToArray();
        }
        var denseLayers = new HashSet<int>();
        if (s.DenseFirstLayer) denseLayers.Add(0);
        if (s.DenseLastLayer) denseLayers.Add(plan.Densities.Count - 1);
        var masks = PruneAtInit.Masks(dense, pruning.Value, s.Density, plan.Densities, x, labels, rng, denseLayers);
        _model = build(new PrunedLayerFactory(DenseWeightLayers.Pruned(dense, masks), rng, kind)).WithSparseLayerNames();
        return _model;
    }

    /// <inheritdoc/>
    public override IEnumerable<ITrainingCallback> Callbacks(Trainer trainer, TrainSettings s, int stepsPerEpoch)
    {
        int total = stepsPerEpoch * s.Epochs;
        int end = Math.Max(1, (int)(s.EndFraction * total));
        if (gmp)
            _gmp = new GradualMagnitudePruner(_model!, new GmpSchedule(0, 1 - s.Density, 0, s.UpdateEvery, Math.Max(1, end / s.UpdateEvery)));
        var decay = s.Decay switch { "linear" => FractionDecay.Linear, "constant" => FractionDecay.Constant, _ => FractionDecay.Cosine };
        var topology = updater?.Invoke() ?? configured?.Invoke(s);
        var plan = topology is null ? null
            : schedule?.Invoke(s, stepsPerEpoch) ?? new UpdateSchedule(s.UpdateEvery, end, (float)s.DropFraction, decay);
        var driver = new SparseTrainingDriver(_model!, topology, plan, Rng.Derive(s.Seed, "topology").NextUInt64(),
            layerView: Sprout.Training.Distributed.DataParallel.LayerViewFor(trainer));
        _callback = new SparsityCallback(driver, _gmp);
        return [_callback];
    }

    /// <inheritdoc/>
    public override string? LayerTable() => _callback?.Driver.LayerTable();

    /// <inheritdoc/>
    public override JsonObject? Summary()
    {
        if (_callback is null) return null;
        var summary = _callback.Driver.Summary();
        if (_gmp is not null)
        {
            var layers = summary["layers"]!.AsArray();
            for (int i = 0; i < layers.Count; i++)
            {
                // GMP's layers are dense modules: their pruned count is the pruner's, not the layer's own description.
                double density = 1 - _gmp.SparsityOf(i);
                layers[i]!["density"] = density;
                layers[i]!["nnz"] = (long)Math.Round(density * layers[i]!["rows"]!.GetValue<int>() * layers[i]!["cols"]!.GetValue<int>());
            }
        }
        return summary;
    }
}
