// Learning-rate schedules as pure functions of the optimizer step: lr(step) = base · Factor(step).
// Steps, not epochs, so that every schedule (LR and sparsity) shares one clock.
namespace Sprout.Nn.Optim;

/// <summary>A multiplicative learning-rate schedule.</summary>
public abstract class LrSchedule
{
    /// <summary>The factor applied to the base learning rate at <paramref name="step"/> (0-based).</summary>
    public abstract float Factor(int step);

    /// <summary>Sets the optimizer's learning rate for <paramref name="step"/>.</summary>
    public void Apply(Optimizer optimizer, int step) => optimizer.LearningRate = optimizer.BaseLearningRate * Factor(step);
}

/// <summary>Factor 1 throughout.</summary>
public sealed class ConstantLr : LrSchedule
{
    /// <inheritdoc/>
    public override float Factor(int step) => 1f;
}

/// <summary>Multiplies by γ at each milestone step (PyTorch MultiStepLR; a single milestone list entry per period gives StepLR).</summary>
public sealed class MultiStepLr : LrSchedule
{
    private readonly int[] _milestones;
    private readonly float _gamma;

    /// <summary>Creates the schedule; milestones are steps, sorted ascending.</summary>
    public MultiStepLr(IEnumerable<int> milestones, float gamma = 0.1f)
    {
        _milestones = milestones.Order().ToArray();
        if (_milestones.Any(m => m < 0)) throw new ArgumentException("Milestones must be ≥ 0.", nameof(milestones));
        _gamma = gamma is > 0f and <= 1f ? gamma : throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be in (0, 1].");
    }

    /// <summary>StepLR: multiply by γ every <paramref name="period"/> steps up to <paramref name="totalSteps"/>.</summary>
    public static MultiStepLr Every(int period, int totalSteps, float gamma = 0.1f)
    {
        if (period <= 0) throw new ArgumentOutOfRangeException(nameof(period), period, "The step period must be positive.");
        var ms = new List<int>();
        for (int s = period; s < totalSteps; s += period) ms.Add(s);
        return new MultiStepLr(ms, gamma);
    }

    /// <inheritdoc/>
    public override float Factor(int step)
    {
        float f = 1f;
        foreach (int m in _milestones) if (step >= m) f *= _gamma;
        return f;
    }
}

/// <summary>Cosine annealing from 1 to <c>minFactor</c> over <c>totalSteps</c>.</summary>
public sealed class CosineLr(int totalSteps, float minFactor = 0f) : LrSchedule
{
    /// <inheritdoc/>
    public override float Factor(int step)
    {
        if (totalSteps <= 0 || step >= totalSteps) return minFactor;
        return minFactor + (1f - minFactor) * 0.5f * (1f + MathF.Cos(MathF.PI * step / totalSteps));
    }
}

/// <summary>Linear warm-up from ~0 to the inner schedule over the first <c>warmupSteps</c> steps.</summary>
public sealed class WarmupLr(LrSchedule inner, int warmupSteps) : LrSchedule
{
    /// <inheritdoc/>
    public override float Factor(int step) =>
        step < warmupSteps ? inner.Factor(step) * (step + 1) / (float)warmupSteps : inner.Factor(step);
}
