// TostSchedule: the annealing schedules of the ToST recipe, as exact functions of the optimizer step. The paper
// anneals its ghosts away early in training but the released code has no schedule (ALGORITHMS.md §5), so these are
// Sprout's choices, all ending at one switch step S (an epoch boundary):
//   ghost soft neurons  β(t) = β₀·(β_S/β₀)^(t/S) for t < S, then +∞ (ReLU exactly). Geometric, because x·σ(βx)
//                        differs from ReLU by at most 0.2785/β (at |x| ≈ 1.28/β), so the gap to ReLU shrinks by
//                        the same factor every step; at β_S = 100 the jump at the switch is below 0.003 on
//                        pre-activations that BatchNorm keeps near unit scale.
//   ghost skip scale    α(t) = ½(1 + cos(π t/S)) for t < S, then 0 (and the paths are removed).
//   label smoothing     ε(t) = ε₀·½(1 + cos(π t/S)) for t < S, then 0.
// Cosine for α and ε: flat at both ends, so the ghosts keep their full effect early and fade without a jump.
namespace Sprout.Training.Recipes.Tost;

/// <summary>ToST's annealing schedules over steps 0 … <see cref="SwitchStep"/>.</summary>
public sealed class TostSchedule
{
    /// <summary>Creates the schedules; the ghosts are gone from step <paramref name="switchStep"/> on.</summary>
    /// <exception cref="ArgumentOutOfRangeException">switchStep &lt; 1, or β₀, β_S not with 0 &lt; β₀ ≤ β_S finite.</exception>
    public TostSchedule(int switchStep, float betaStart = 1f, float betaEnd = 100f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(switchStep, 1);
        if (!(betaStart > 0f) || !(betaEnd >= betaStart) || !float.IsFinite(betaEnd))
            throw new ArgumentOutOfRangeException(nameof(betaEnd), $"Ghost neuron β must rise from a positive start to a finite end ≥ start (got {betaStart} → {betaEnd}).");
        (SwitchStep, BetaStart, BetaEnd) = (switchStep, betaStart, betaEnd);
    }

    /// <summary>First step (optimizer steps taken) at which the model is plain: ReLU, no ghost paths, no smoothing.</summary>
    public int SwitchStep { get; }

    /// <summary>β at step 0 (1 = SiLU, the released code's swish).</summary>
    public float BetaStart { get; }

    /// <summary>β approached just before the switch.</summary>
    public float BetaEnd { get; }

    /// <summary>True from the switch step on.</summary>
    public bool IsSwitched(int step) => step >= SwitchStep;

    /// <summary>Ghost neuron β for the step that follows <paramref name="step"/> steps taken; +∞ from the switch on.</summary>
    public float Beta(int step)
    {
        if (step >= SwitchStep) return float.PositiveInfinity;
        if (step <= 0) return BetaStart;
        return (float)(BetaStart * Math.Pow((double)BetaEnd / BetaStart, (double)step / SwitchStep));
    }

    /// <summary>Ghost skip scale α: 1 at step 0, 0 from the switch on.</summary>
    public float Alpha(int step) => (float)Cosine(step);

    /// <summary>Label smoothing: <paramref name="start"/> at step 0, 0 from the switch on.</summary>
    public float Smoothing(int step, float start) => (float)(start * Cosine(step));

    private double Cosine(int step)
    {
        if (step >= SwitchStep) return 0;
        if (step <= 0) return 1;
        return 0.5 * (1 + Math.Cos(Math.PI * step / SwitchStep));
    }
}
