// LrsiOptions: the settings of ToST's layer-wise rescaled initialisation (GradInit on the masked net); the defaults
// are the released ToST/GradInit code's (ALGORITHMS.md §5).
namespace Sprout.Training.Recipes.Tost;

/// <summary>Options of <see cref="LayerwiseRescaledInit"/>.</summary>
public sealed record LrsiOptions
{
    /// <summary>Adam iterations on the scales (180).</summary>
    public int Iterations { get; init; } = 180;

    /// <summary>Adam learning rate on the scales (1e-2).</summary>
    public float LearningRate { get; init; } = 1e-2f;

    /// <summary>Each scale's gradient is clipped to ±this before each Adam step (1), as the released RescaleAdam does.</summary>
    public float GradientClip { get; init; } = 1f;

    /// <summary>Size η of the normalised SGD step whose outcome is the objective (0.1; CLI --lrsi-step).</summary>
    public float StepSize { get; init; } = 0.1f;

    /// <summary>
    /// Differentiate the step branch with the step direction g/‖g‖ held fixed, as the released GradInit/ToST code does
    /// (it steps with a detached gradient): no H·u term, 2 gradient passes per iteration instead of 4, but not the
    /// gradient of the objective. Off by default: Sprout differentiates the objective itself.
    /// </summary>
    public bool FixedStepDirection { get; init; }

    /// <summary>While ‖g‖ exceeds γ (1), the objective is ‖g‖ itself.</summary>
    public float GradientNormBound { get; init; } = 1f;

    /// <summary>Lower bound of a weight tensor's scale (0.01).</summary>
    public float WeightScaleMin { get; init; } = 0.01f;

    /// <summary>Lower bound of a bias tensor's scale (0).</summary>
    public float BiasScaleMin { get; init; }

    /// <summary>Perturbation of the finite-difference Hessian-vector product, relative to max(1, ‖θ‖).</summary>
    public double HvpRelativeStep { get; init; } = FiniteDifferenceHvp.DefaultRelativeStep;

    /// <summary>Label smoothing of the loss GradInit evaluates (the run's initial ε).</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>Rejects values that cannot work, with a message naming the option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "LRsI needs at least one iteration.");
        if (!(LearningRate > 0) || !(GradientClip > 0) || !(StepSize > 0) || !(GradientNormBound > 0) || !(HvpRelativeStep > 0))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), "LRsI's learning rate, gradient clip, step size, gradient bound and HVP step must be positive.");
        if (!(WeightScaleMin >= 0) || !(BiasScaleMin >= 0))
            throw new ArgumentOutOfRangeException(nameof(WeightScaleMin), "LRsI's scale lower bounds must be ≥ 0.");
        if (LabelSmoothing is < 0f or >= 1f) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "Label smoothing must be in [0, 1).");
    }
}
