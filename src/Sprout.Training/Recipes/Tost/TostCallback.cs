// TostCallback: runs the annealed parts of the ToST recipe inside the training loop (Jaiswal et al., ICML 2022):
// before every step it sets ghost-neuron β, ghost-skip α and label smoothing ε from TostSchedule; at the switch step
// it turns every ghost neuron into an exact ReLU, sets ε to 0 and removes the ghost skip paths from the model.
// The ghost paths are trained by their own optimizer (same kind and hyperparameters as the run's, following its
// learning rate), which is dropped at the switch: the run's optimizer, its checkpointed state and the data-parallel
// gradient slab never contain them, so after the switch nothing distinguishes the run from one without ghosts.
// Before the switch a checkpoint holds that optimizer's state and step count under "tost.ghost_optimizer." (the
// ghost parameters and BatchNorm buffers are the model's own), so a run resumed in the ghost phase is bit-exact.
// Their cost is counted here (dense multiply-adds per step), added to the run's FLOP counter when one is given (so
// the FLOPs-vs-dense column pays for them), and reported by Summary(); before the switch a checkpoint carries the count.
using System.Text.Json.Nodes;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Recipes.Tost;

/// <summary>Anneals and removes ToST's ghost neurons, ghost skip connections and label smoothing.</summary>
public sealed class TostCallback : ITrainingCallback, ICheckpointable
{
    private readonly Module _model;
    private readonly IReadOnlyList<Relu> _relus;
    private readonly Func<IEnumerable<(string Name, Tensor Tensor)>, Optimizer>? _ghostOptimizerFactory;
    private const string StateScope = "tost.ghost_optimizer";

    private readonly FlopCounter? _flops;
    private IReadOnlyList<GhostSkipPaths> _paths = [];
    private Optimizer? _ghostOptimizer;
    private bool _resumedAfterSwitch;

    /// <summary>
    /// Installs the chosen ghosts on <paramref name="model"/> for a run that has taken <paramref name="startStep"/>
    /// steps (0, or the step of the checkpoint it resumes): ghost skip paths exist only before the switch.
    /// </summary>
    /// <param name="model">The (masked) model; its BasicBlocks get ghost skip paths when <paramref name="ghostSkips"/>.</param>
    /// <param name="schedule">The schedules and switch step.</param>
    /// <param name="ghostNeurons">Anneal every ReLU from x·σ(β₀x) to ReLU.</param>
    /// <param name="ghostSkips">Add ghost skip paths, trained by an optimizer from <paramref name="ghostOptimizer"/>.</param>
    /// <param name="smoothingStart">Label smoothing annealed from this value to 0 (0: leave the trainer's smoothing alone).</param>
    /// <param name="ghostOptimizer">Builds the ghost paths' optimizer; required with <paramref name="ghostSkips"/>.</param>
    /// <param name="startStep">Steps already taken.</param>
    /// <param name="flops">The run's FLOP counter, which the ghost paths' multiply-adds are added to (null: counted here only).</param>
    /// <exception cref="ArgumentException">Ghost skips without an optimizer factory, or a model without BasicBlocks.</exception>
    public TostCallback(Module model, TostSchedule schedule, bool ghostNeurons, bool ghostSkips, float smoothingStart,
        Func<IEnumerable<(string Name, Tensor Tensor)>, Optimizer>? ghostOptimizer, int startStep = 0, FlopCounter? flops = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schedule);
        if (smoothingStart is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(smoothingStart), smoothingStart, "Label smoothing must be in [0, 1).");
        if (ghostSkips && ghostOptimizer is null) throw new ArgumentException("Ghost skip connections need a factory for their optimizer.", nameof(ghostOptimizer));
        (_model, Schedule, GhostNeurons, GhostSkips, SmoothingStart, _ghostOptimizerFactory) =
            (model, schedule, ghostNeurons, ghostSkips, smoothingStart, ghostOptimizer);
        _flops = flops;
        _resumedAfterSwitch = ghostSkips && startStep > 0 && schedule.IsSwitched(startStep);
        _relus = ghostNeurons ? Ghosts.Relus(model) : [];
        if (ghostSkips)
        {
            if (!model.Modules().OfType<BasicBlock>().Any())
                throw new ArgumentException("Ghost skip connections need residual BasicBlocks (resnet20, resnet32, resnet18, …); this model has none.", nameof(model));
            GhostParameters = model.Modules().OfType<BasicBlock>().Sum(b => GhostSkipPaths.ParameterCountFor(b.InChannels, b.OutChannels));
        }
        Apply(startStep);
    }

    /// <summary>The schedules.</summary>
    public TostSchedule Schedule { get; }

    /// <summary>Whether ghost soft neurons are on.</summary>
    public bool GhostNeurons { get; }

    /// <summary>Whether ghost skip connections are on.</summary>
    public bool GhostSkips { get; }

    /// <summary>Initial label smoothing of the anneal (0 = not annealed by this callback).</summary>
    public float SmoothingStart { get; }

    /// <summary>Number of ghost skip parameters while they exist (dense 1×1 convs and their BatchNorms).</summary>
    public long GhostParameters { get; }

    /// <summary>
    /// Multiply-adds the ghost skip paths executed so far (forward and backward), restored with the ghost phase's
    /// checkpoints. A run resumed past the switch starts from a plain model's checkpoint, so this stays 0 and
    /// <see cref="Summary"/> reports null (the run's FLOP counter, restored from its own state, still holds them).
    /// </summary>
    public double GhostMacs { get; private set; }

    /// <summary>True while ghost skip paths are part of the model.</summary>
    public bool HasGhostPaths => _paths.Count > 0;

    /// <inheritdoc/>
    public void OnForwardStart(Trainer trainer, int step)
    {
        if (Schedule.IsSwitched(step))
        {
            if (HasGhostPaths || (GhostNeurons && _relus.Count > 0 && !float.IsPositiveInfinity(_relus[0].GhostBeta))) Switch(trainer);
            // A run resumed after the switch starts with the settings' smoothing: it is annealed to 0 by now.
            if (SmoothingStart > 0f) trainer.LabelSmoothing = 0f;
            return;
        }
        if (GhostNeurons) Ghosts.SetBeta(_relus, Schedule.Beta(step));
        float alpha = Schedule.Alpha(step);
        for (int i = 0; i < _paths.Count; i++) _paths[i].Alpha = alpha;
        if (SmoothingStart > 0f) trainer.LabelSmoothing = Schedule.Smoothing(step, SmoothingStart);
        _ghostOptimizer?.ZeroGrad();
    }

    /// <inheritdoc/>
    public void OnStepEnd(Trainer trainer, in StepInfo step)
    {
        if (_ghostOptimizer is not null)
        {
            long macs = 0;
            for (int i = 0; i < _paths.Count; i++) macs += _paths[i].MacsPerSample();
            GhostMacs += (double)macs * step.Count;
            _flops?.AddExtra((double)macs * step.Count);
            _ghostOptimizer.LearningRate = trainer.Optimizer.LearningRate;
            _ghostOptimizer.Step();
        }
        // Switch right after the last ghost step, so the epoch ending here is evaluated and checkpointed plain.
        if (Schedule.IsSwitched(step.Step)) Switch(trainer);
    }

    /// <summary>Entries for summary.json: the components, the switch step and the ghosts' parameters and multiply-adds.</summary>
    public JsonObject Summary() => new()
    {
        ["ghost_neurons"] = GhostNeurons,
        ["ghost_skips"] = GhostSkips,
        ["label_smoothing_start"] = SmoothingStart,
        ["switch_step"] = Schedule.SwitchStep,
        ["beta_start"] = Schedule.BetaStart,
        ["beta_end"] = Schedule.BetaEnd,
        ["ghost_params"] = GhostParameters,
        ["ghost_macs"] = _resumedAfterSwitch ? null : GhostMacs,
        ["ghosts_removed"] = !HasGhostPaths,
    };

    /// <summary>Saves the ghost optimizer's state tensors and step count while ghost paths exist (nothing after the switch).</summary>
    public void SaveState(StateDict state)
    {
        if (_ghostOptimizer is null) return;
        var scope = state.Scope(StateScope);
        scope.AddScalar("steps", _ghostOptimizer.StepCount);
        scope.Add("ghost_macs", [GhostMacs]);
        foreach (var (name, t) in _ghostOptimizer.StateTensors()) scope.Add(name, t.Data, t.Shape.ToArray());
    }

    /// <summary>
    /// Restores what <see cref="SaveState"/> wrote into the ghost optimizer built for the resumed step. A checkpoint
    /// from before ghost state was saved has none of it: the ghost optimizer then starts from zero state, as it used to.
    /// </summary>
    /// <exception cref="InvalidDataException">Part of the ghost state is missing or has another shape.</exception>
    public void LoadState(StateDict state)
    {
        if (_ghostOptimizer is null) return;
        var scope = state.Scope(StateScope);
        if (!scope.Contains("steps")) return;
        long steps = scope.Scalar("steps");
        if (steps is < 0 or > int.MaxValue) throw new InvalidDataException($"State '{StateScope}.steps' is {steps}, not a step count.");
        foreach (var (name, t) in _ghostOptimizer.StateTensors())
        {
            var values = scope.Floats(name);
            if (!scope.ShapeOf(name).SequenceEqual(t.Shape.ToArray()))
                throw new InvalidDataException($"State '{StateScope}.{name}' is [{string.Join(", ", scope.ShapeOf(name))}], the ghost path needs [{string.Join(", ", t.Shape.ToArray())}].");
            values.CopyTo(t.Data);
        }
        _ghostOptimizer.StepCount = (int)steps;
        if (scope.Contains("ghost_macs") && scope.Doubles("ghost_macs") is [double macs]) GhostMacs = macs;
    }

    // Puts the model in the state the schedule prescribes after `step` steps (construction and resume).
    private void Apply(int step)
    {
        if (Schedule.IsSwitched(step))
        {
            if (GhostNeurons) Ghosts.SetBeta(_relus, float.PositiveInfinity);
            return;
        }
        if (GhostNeurons) Ghosts.SetBeta(_relus, Schedule.Beta(step));
        if (GhostSkips)
        {
            _paths = Ghosts.AttachSkips(_model);
            _ghostOptimizer = _ghostOptimizerFactory!(_paths.SelectMany((p, i) => p.NamedParameters().Select(n => ($"ghost{i}.{n.Name}", n.Tensor))));
            float alpha = Schedule.Alpha(step);
            foreach (var p in _paths) p.Alpha = alpha;
        }
    }

    private void Switch(Trainer trainer)
    {
        if (GhostNeurons) Ghosts.SetBeta(_relus, float.PositiveInfinity);
        if (SmoothingStart > 0f) trainer.LabelSmoothing = 0f;
        if (HasGhostPaths)
        {
            Ghosts.RemoveSkips(_model);
            foreach (var p in _paths)
                foreach (var (_, t) in p.NamedParameters()) t.ZeroGrad();
            _paths = [];
            _ghostOptimizer = null;
        }
    }
}
