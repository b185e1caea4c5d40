// SparseTrainingDriver: what a training loop calls to run a sparsity method. After every optimizer step it counts
// the step's multiply-adds and lets the TopologyScheduler update the topology on schedule (RigL's streamed dense
// gradient, and the sampled-candidate SDDMMs of GSE, DST-EE and the always-sparse sparse momentum, are counted as
// extra work). It also produces the per-layer table printed at the start and the summary entries (per-layer density
// and nnz, training FLOPs relative to dense).
// Deliberately small and independent of any particular Trainer: an adapter to a trainer's step callback is a few
// lines (call AfterOptimizerStep(step, optimizer, batch)).
using System.Text.Json.Nodes;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Sparse;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;

namespace Sprout.Training.Sparsity;

/// <summary>Runs a topology method and FLOP counting alongside a training loop.</summary>
/// <example><code>
/// var driver = new SparseTrainingDriver(model, new RigL(), UpdateSchedule.Cosine(every: 100, endStep: 0.75 * totalSteps), seed: 42);
/// Console.Write(driver.LayerTable());
/// // in the loop, after optimizer.Step():
/// driver.AfterOptimizerStep(optimizer.StepCount, optimizer, batchSize);
/// </code></example>
public sealed class SparseTrainingDriver
{
    private readonly Module _model;
    private readonly IReadOnlyList<ISparseLayer> _layers;

    /// <summary>
    /// Creates a driver. <paramref name="updater"/> null (dense, static and pruned-at-init masks) means the topology never
    /// changes. <paramref name="layerView"/> (data parallelism: <c>DataParallel.View</c>) is how the scheduler sees each layer.
    /// </summary>
    /// <exception cref="ArgumentException">An updater without a schedule, or with a model that has no sparse layers.</exception>
    public SparseTrainingDriver(Module model, ITopologyUpdater? updater, UpdateSchedule? schedule, ulong seed = 0,
        Func<ISparseLayer, ISparseLayer>? layerView = null)
    {
        _model = model;
        _layers = model.SparseLayers();
        Flops = new FlopCounter(model);
        if (updater is not null && updater is not StaticSparse)
        {
            if (schedule is null) throw new ArgumentException($"Method '{updater.Name}' changes the topology and needs an UpdateSchedule.", nameof(schedule));
            Scheduler = new TopologyScheduler(layerView is null ? _layers : _layers.Select(layerView).ToArray(), updater, schedule, seed);
        }
        else
        {
            // A fixed topology: nothing reads the layers' last batch, so they need not keep it (a copy and two
            // [features × batch] buffers per layer saved).
            foreach (var layer in _layers.OfType<IKeepsBatch>()) layer.CachesBatch = false;
        }
    }

    /// <summary>The topology scheduler, or null when the topology is fixed.</summary>
    public TopologyScheduler? Scheduler { get; }

    /// <summary>Executed vs dense multiply-adds so far.</summary>
    public FlopCounter Flops { get; }

    /// <summary>Topology updates performed.</summary>
    public int Updates => Scheduler?.Updates ?? 0;

    /// <summary>
    /// Call after optimizer step <paramref name="step"/> (1-based) taken on <paramref name="batch"/> samples.
    /// Returns true when the topology changed. Allocation-free except on update steps (which reuse scratch).
    /// </summary>
    public bool AfterOptimizerStep(int step, IOptimizerState optimizer, int batch)
    {
        Flops.AddStep(batch);
        if (Scheduler is null)
        {
            for (int i = 0; i < _layers.Count; i++) _layers[i].ApplyMask();
            return false;
        }
        bool changed = Scheduler.Step(step, optimizer);
        // Sparse layers keep X and dY (conv) or a feature-major X and dZ (linear) in the tape's buffers past its reset;
        // only the step before an update (or every step, for methods that observe each one) needs them,
        // so the others keep nothing and copy nothing.
        bool nextNeedsBatch = Scheduler.Updater is IStepObserver || Scheduler.Schedule.IsUpdateStep(step + 1);
        for (int i = 0; i < _layers.Count; i++)
        {
            if (_layers[i] is IKeepsBatch keeper) keeper.CachePaused = !nextNeedsBatch;
        }
        // Work the method did beyond the layers' own products (RigL's dense gradient, sampled-candidate SDDMMs):
        // each method reports its own, counted after the update with the new topology.
        for (int i = 0; i < _layers.Count; i++) Flops.AddExtra(Scheduler.Updater.ExtraMultiplyAdds(_layers[i], changed));
        // Read: hand the kept buffers back before the next forward pass rents them again (else the tape's pool grows).
        for (int i = 0; i < _layers.Count; i++)
            if (_layers[i] is IKeepsBatch keeper) keeper.ReleaseBatch();
        return changed;
    }

    /// <summary>Adds the FLOP totals ("sparsity.flops") and the scheduler's state ("topology.*") to a checkpoint.</summary>
    public void SaveState(StateDict state)
    {
        state.Add("sparsity.flops", new[] { Flops.ExecutedMacs, Flops.DenseMacs });
        Scheduler?.SaveState(state.Scope("topology"));
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote (FLOP totals are optional: they only feed the summary).</summary>
    /// <exception cref="InvalidDataException">The scheduler's state is missing or does not fit.</exception>
    public void LoadState(StateDict state)
    {
        if (state.Contains("sparsity.flops"))
        {
            var f = state.Doubles("sparsity.flops");
            if (f.Length == 2) Flops.Restore(f[0], f[1]);
        }
        Scheduler?.LoadState(state.Scope("topology"));
    }

    /// <summary>The per-layer rows (name, kind, shape, density, nnz) of the model as it is now.</summary>
    public IReadOnlyList<LayerRow> Layers() => LayerRow.Of(_model);

    /// <summary>The per-layer table as text.</summary>
    public string LayerTable() => LayerRow.Format(Layers());

    /// <summary>Summary entries: per-layer density/nnz, topology updates, FLOPs relative to dense.</summary>
    public JsonObject Summary()
    {
        var layers = new JsonArray();
        foreach (var r in Layers())
            layers.Add(new JsonObject { ["name"] = r.Name, ["kind"] = r.Kind, ["shape"] = r.Shape, ["rows"] = r.Rows, ["cols"] = r.Cols, ["density"] = r.Density, ["nnz"] = r.Nnz });
        return new JsonObject
        {
            ["layers"] = layers,
            ["topology_updates"] = Updates,
            ["train_macs"] = Flops.ExecutedMacs,
            ["dense_train_macs"] = Flops.DenseMacs,
            ["train_flops_relative_to_dense"] = Flops.RelativeToDense,
        };
    }
}
