// Spartan's checkpoint state: what carries from one step to the next besides the weights and the optimizer. The
// soft mask, unit values and thresholds of the last BeforeForward (AfterBackward and the effective mask read them),
// β, the frozen fine-tune multipliers, and, while the weights are swapped for w̃ (the trainer holds w̃ at epoch
// ends), the stashed dense weights w; and each soft top-k solver's warm start (μ, τ band), which the next step's
// solve starts from.
using Sprout.Core;

namespace Sprout.Sparse.Topology.Methods;

public sealed partial class Spartan : ICheckpointable
{
    /// <inheritdoc/>
    public void SaveState(StateDict state)
    {
        state.Add("mask", _mask);
        state.Add("units", _units);
        state.Add("tau", _tau);
        state.Add("frozen", _frozen);
        state.Add("beta", new[] { _beta });
        state.AddScalar("is_frozen", IsFrozen ? 1 : 0);
        state.AddScalar("swapped", _swapped ? 1 : 0);
        var warm = new double[_solvers.Length * SoftTopKSolver.WarmStartLength];
        for (int i = 0; i < _solvers.Length; i++) _solvers[i].SaveWarmStart(warm.AsSpan(i * SoftTopKSolver.WarmStartLength, SoftTopKSolver.WarmStartLength));
        state.Add("solver_warm_start", warm);
        if (!_swapped) return;
        for (int l = 0; l < _weights.Length; l++) state.Add($"saved_weight.{l}", _saved[l], _weights[l].Shape.ToArray());
    }

    /// <inheritdoc/>
    public void LoadState(StateDict state)
    {
        Restore(state.Floats("mask"), _mask, "mask");
        Restore(state.Floats("units"), _units, "units");
        Restore(state.Floats("tau"), _tau, "tau");
        Restore(state.Floats("frozen"), _frozen, "frozen");
        _beta = state.Floats("beta") is [float beta] ? beta : throw new InvalidDataException("Spartan's beta should be one number.");
        IsFrozen = state.Scalar("is_frozen") != 0;
        _swapped = state.Scalar("swapped") != 0;
        var warm = state.Doubles("solver_warm_start");
        if (warm.Length != _solvers.Length * SoftTopKSolver.WarmStartLength)
            throw new InvalidDataException($"Spartan's solver_warm_start has {warm.Length} values in the checkpoint but {_solvers.Length * SoftTopKSolver.WarmStartLength} here (different --spartan-allocation).");
        for (int i = 0; i < _solvers.Length; i++) _solvers[i].LoadWarmStart(warm.AsSpan(i * SoftTopKSolver.WarmStartLength, SoftTopKSolver.WarmStartLength));
        if (!_swapped) return;
        for (int l = 0; l < _weights.Length; l++) Restore(state.Floats($"saved_weight.{l}"), _saved[l], $"saved_weight.{l}");
    }

    private static void Restore(float[] source, float[] target, string name)
    {
        if (source.Length != target.Length) throw new InvalidDataException($"Spartan's {name} has {source.Length} values in the checkpoint but {target.Length} here (different model or --spartan-block).");
        source.CopyTo(target, 0);
    }
}
