// TopologyScheduler: wires a method into a training loop. Call Step after every optimizer step; it does nothing
// except on the schedule's update steps, where it runs the shared mechanism on every sparse layer: per layer, over
// all layers (global scope), or with the per-layer counts a budget-redistributing method plans. Its checkpoint
// state is the update count, the method's random stream and the method's per-layer state (ILayerState).
using Sprout.Core;

namespace Sprout.Sparse.Topology;

/// <summary>Runs an <see cref="ITopologyUpdater"/> on a set of sparse layers according to an <see cref="UpdateSchedule"/>.</summary>
/// <example><code>
/// var topology = new TopologyScheduler(model.SparseLayers(), new RigL(), UpdateSchedule.Cosine(every: 100, endStep: 45_000), seed: 42);
/// // in the loop, after optimizer.Step():
/// topology.Step(step, optimizer);
/// </code></example>
public sealed class TopologyScheduler : ICheckpointable
{
    private readonly ISparseLayer[] _layers;
    private readonly TopologyMechanism _mechanism = new();
    private readonly TopologyContext _context;
    private readonly LayerUpdate[] _last;
    private readonly int[] _dropCounts;
    private readonly int[] _growCounts;

    /// <summary>Creates a scheduler; the layers must all belong to the model being trained.</summary>
    public TopologyScheduler(IEnumerable<ISparseLayer> layers, ITopologyUpdater updater, UpdateSchedule schedule, ulong seed = 0)
    {
        _layers = layers.ToArray();
        if (_layers.Length == 0) throw new ArgumentException("No sparse layers were given: build the model with sparse layers (SparseLinear/SparseConv2d or MaskedLinear/MaskedConv2d).", nameof(layers));
        Updater = updater;
        Schedule = schedule;
        _context = new TopologyContext(seed);
        _last = new LayerUpdate[_layers.Length];
        _dropCounts = new int[_layers.Length];
        _growCounts = new int[_layers.Length];
    }

    /// <summary>The method.</summary>
    public ITopologyUpdater Updater { get; }

    /// <summary>When and how much.</summary>
    public UpdateSchedule Schedule { get; }

    /// <summary>The layers being rewired.</summary>
    public IReadOnlyList<ISparseLayer> Layers => _layers;

    /// <summary>Number of updates performed.</summary>
    public int Updates { get; private set; }

    /// <summary>Per-layer results of the most recent update.</summary>
    public ReadOnlySpan<LayerUpdate> LastUpdate => _last;

    /// <summary>
    /// Call after optimizer step number <paramref name="step"/> (1-based). Re-imposes masks every step, and on update
    /// steps replaces the scheduled fraction of each layer's connections. Returns true when the topology changed.
    /// </summary>
    public bool Step(int step, IOptimizerState? optimizer = null)
    {
        foreach (var layer in _layers) layer.ApplyMask();
        if (Updater is IStepObserver observer)
        {
            _context.Step = step;
            _context.Optimizer = optimizer;
            foreach (var layer in _layers) observer.Observe(layer, _context);
        }
        if (!Schedule.IsUpdateStep(step)) return false;
        float fraction = Schedule.FractionAt(step);
        if (fraction <= 0f) return false;
        _context.Step = step;
        _context.UpdateIndex = Updates;
        _context.DropFraction = fraction;
        _context.Optimizer = optimizer;
        if (Updater.Scope == TopologyScope.Global)
            _mechanism.UpdateGlobal(_layers, Updater, _context, _last);
        else if (Updater.PlanLayerBudgets(_layers, _context, _dropCounts, _growCounts))
            _mechanism.UpdateLayers(_layers, Updater, _context, _dropCounts, _growCounts, _last);
        else
            for (int i = 0; i < _layers.Length; i++) _last[i] = _mechanism.UpdateLayer(_layers[i], Updater, _context);
        Updates++;
        return true;
    }

    /// <inheritdoc/>
    public void SaveState(StateDict state)
    {
        state.AddScalar("updates", Updates);
        state.AddRng("rng", _context.Rng.GetState());
        if (Updater is ILayerState method)
        {
            var scopes = LayerScopes();
            for (int i = 0; i < _layers.Length; i++) method.SaveState(_layers[i], state.Scope(scopes[i]));
        }
    }

    /// <inheritdoc/>
    public void LoadState(StateDict state)
    {
        Updates = (int)state.Scalar("updates");
        _context.Rng.SetState(state.Rng("rng"));
        if (Updater is ILayerState method)
        {
            var scopes = LayerScopes();
            for (int i = 0; i < _layers.Length; i++) method.LoadState(_layers[i], state.Scope(scopes[i]));
        }
    }

    // Each layer's state lives under its name, or "layer{i}" for an unnamed one (an empty scope would be the
    // scheduler's own, and two unnamed layers would collide). Names are read at checkpoint time: models name their
    // layers after the scheduler is built.
    private string[] LayerScopes()
    {
        var scopes = new string[_layers.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _layers.Length; i++)
        {
            string name = _layers[i].LayerName;
            scopes[i] = string.IsNullOrEmpty(name) ? $"layer{i}" : name;
            if (!seen.Add(scopes[i]))
                throw new InvalidOperationException($"Two sparse layers share the checkpoint scope '{scopes[i]}': give every layer a distinct LayerName.");
        }
        return scopes;
    }
}
