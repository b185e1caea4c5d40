// Optimizer: updates parameters from their gradients. State (momentum, Adam moments) is allocated once at
// construction and sized like each parameter, so Step allocates nothing. For a sparse layer the parameter is
// its value array, and RemapState keeps the state aligned through topology changes (allocating nothing unless
// the parameter's element count grows).
using Sprout.Core;

namespace Sprout.Nn.Optim;

/// <summary>Base class of optimizers.</summary>
public abstract class Optimizer : IOptimizerState
{
    private readonly List<(string Name, Tensor Tensor)> _stateTensors = [];
    private readonly Tensor[][] _slotsOf; // [parameter][slot]: built once by CreateSlots, indexed so topology updates allocate nothing
    private readonly bool[] _noDecay;     // [parameter]: regularized elsewhere (Top-KAST's penalty), so the optimizer's decay skips it

    /// <summary>Creates an optimizer over named parameters (e.g. <see cref="Module.NamedParameters"/>).</summary>
    protected Optimizer(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate)
    {
        if (!(learningRate > 0f) || !float.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a positive number.");
        Parameters = parameters.ToList();
        if (Parameters.Count == 0) throw new ArgumentException("The optimizer was given no parameters.", nameof(parameters));
        _slotsOf = new Tensor[Parameters.Count][];
        Array.Fill(_slotsOf, []);
        _noDecay = new bool[Parameters.Count];
        LearningRate = learningRate;
        BaseLearningRate = learningRate;
    }

    /// <summary>The parameters being optimized, with names.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Parameters { get; }

    /// <summary>Current learning rate (schedules set it each step).</summary>
    public float LearningRate { get; set; }

    /// <summary>The learning rate given at construction; schedules scale it.</summary>
    public float BaseLearningRate { get; }

    /// <summary>Number of completed steps.</summary>
    public int StepCount { get; set; }

    /// <summary>
    /// Exempts the named parameters from the optimizer's weight decay (a method that regularizes them itself, as Top-KAST
    /// does through its own penalty); every other parameter keeps it.
    /// </summary>
    /// <exception cref="ArgumentException">A name that is not one of this optimizer's parameters.</exception>
    public void ExcludeFromWeightDecay(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var index = Parameters.Select((p, i) => (p.Name, i)).ToDictionary(x => x.Name, x => x.i);
        foreach (string name in names)
            _noDecay[index.TryGetValue(name, out int i) ? i : throw new ArgumentException($"'{name}' is not a parameter of this optimizer.", nameof(names))] = true;
    }

    /// <summary>Names of the parameters the optimizer's weight decay skips (<see cref="ExcludeFromWeightDecay"/>).</summary>
    public IEnumerable<string> WeightDecayExempt => Parameters.Where((_, i) => _noDecay[i]).Select(p => p.Name);

    /// <summary>The weight decay to apply to parameter <paramref name="index"/>: <paramref name="decay"/>, or 0 if it is exempt.</summary>
    protected float DecayOf(int index, float decay) => _noDecay[index] ? 0f : decay;

    /// <summary>Applies one update to every parameter from its current gradient.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i].Tensor;
            if (p.HasGrad) Update(i, p);
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        // Indexed loop: enumerating through the interface would box an enumerator every step.
        for (int i = 0; i < Parameters.Count; i++) Parameters[i].Tensor.ZeroGrad();
    }

    /// <summary>Named state tensors ("{parameter}.{slot}") for checkpoints; loading writes into them in place.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> StateTensors() => _stateTensors;

    /// <summary>Applies a parameter's element re-layout (a sparse topology change) to all of its state slots.</summary>
    public void RemapState(Tensor parameter, IElementRemap remap)
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (!ReferenceEquals(Parameters[i].Tensor, parameter)) continue;
            foreach (var slot in _slotsOf[i]) // an array: foreach compiles to an indexed loop, no enumerator
            {
                int before = slot.Size, after = remap.NewLength(before);
                if (after == before)
                {
                    remap.Remap(slot.Data);
                    continue;
                }
                // The parameter's element count changed (a sparse layer gained or lost budget at a topology update).
                Span<int> shape = [Math.Max(before, after)];
                slot.Resize(shape);
                remap.Remap(slot.Data);
                shape[0] = after;
                slot.Reshape(shape);
            }
            return;
        }
        throw new ArgumentException($"{parameter} is not optimized by this optimizer.", nameof(parameter));
    }

    /// <summary>
    /// Resizes every per-element state slot to its parameter's current element count (contents are not kept): a
    /// restored sparse layer may hold a different nnz than the one the optimizer was built for, and the checkpoint's
    /// state is then read into the resized slots.
    /// </summary>
    public void MatchStateToParameters()
    {
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i].Tensor;
            foreach (var slot in _slotsOf[i])
                if (slot.Rank == 1 && p.Rank == 1 && slot.Size != p.Size) slot.Resize(p.Shape);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Allocates nothing: sparse momentum looks up its slots on every layer at every topology update.</remarks>
    public Tensor? FindState(Tensor parameter, string slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (!ReferenceEquals(Parameters[i].Tensor, parameter)) continue;
            foreach (var t in _slotsOf[i])
                if (t.Name is { } n && IsSlotName(n, slot)) return t;
            return null;
        }
        return null;
    }

    /// <summary>Whether <paramref name="name"/> is "{parameter}.{slot}" (CreateSlots' naming), without building ".{slot}".</summary>
    private static bool IsSlotName(string name, string slot) =>
        name.Length > slot.Length && name[^(slot.Length + 1)] == '.' && name.AsSpan().EndsWith(slot, StringComparison.Ordinal);

    /// <summary>Updates parameter <paramref name="index"/> from its gradient.</summary>
    protected abstract void Update(int index, Tensor parameter);

    /// <summary>
    /// Allocates one zeroed state slot per parameter and registers it for checkpointing and for
    /// <see cref="RemapState"/>, <see cref="FindState"/> and <see cref="MatchStateToParameters"/>. Call it once per slot
    /// kind from the constructor.
    /// </summary>
    protected Tensor[] CreateSlots(string slot)
    {
        var slots = new Tensor[Parameters.Count];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = new Tensor(Parameters[i].Tensor.Shape) { Name = $"{Parameters[i].Name}.{slot}" };
            _stateTensors.Add((slots[i].Name!, slots[i]));
            _slotsOf[i] = [.. _slotsOf[i], slots[i]];
        }
        return slots;
    }

    /// <summary>Rejects a negative or non-finite hyperparameter with a message naming it.</summary>
    protected static float NonNegative(float value, string name) =>
        value >= 0f && float.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number ≥ 0.");
}
