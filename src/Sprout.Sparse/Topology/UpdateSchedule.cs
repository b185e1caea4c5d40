// UpdateSchedule: when the topology changes and by how much, as a function of the optimizer step only
// (RigL's ΔT, T_end and drop-fraction annealing). Kept apart from the methods so that any method runs on any schedule.
namespace Sprout.Sparse.Topology;

/// <summary>How the drop fraction decays between the first step and <see cref="UpdateSchedule.EndStep"/>.</summary>
public enum FractionDecay
{
    /// <summary>α throughout.</summary>
    Constant,

    /// <summary>f(t) = α/2·(1 + cos(π t / T_end)) (RigL, GSE, sparse momentum).</summary>
    Cosine,

    /// <summary>f(t) = α·(1 − t / T_end).</summary>
    Linear,
}

/// <summary>Update every <see cref="Every"/> steps while step ≤ <see cref="EndStep"/>, replacing a fraction <see cref="FractionAt"/>.</summary>
public sealed class UpdateSchedule
{
    /// <summary>Creates a schedule; throws with the offending value when a parameter is out of range.</summary>
    public UpdateSchedule(int every, int endStep, float dropFraction, FractionDecay decay = FractionDecay.Cosine, int startStep = 0)
    {
        if (every <= 0) throw new ArgumentOutOfRangeException(nameof(every), every, "The update interval ΔT must be a positive number of steps.");
        if (endStep < 0) throw new ArgumentOutOfRangeException(nameof(endStep), endStep, "The end step must be ≥ 0.");
        if (!(dropFraction is >= 0f and <= 1f)) throw new ArgumentOutOfRangeException(nameof(dropFraction), dropFraction, "The drop fraction must be in [0, 1].");
        (Every, EndStep, DropFraction, Decay, StartStep) = (every, endStep, dropFraction, decay, startStep);
    }

    /// <summary>ΔT: steps between updates.</summary>
    public int Every { get; }

    /// <summary>T_end: the last step at which the topology may change.</summary>
    public int EndStep { get; }

    /// <summary>α: the initial drop fraction.</summary>
    public float DropFraction { get; }

    /// <summary>How α decays.</summary>
    public FractionDecay Decay { get; }

    /// <summary>No update before this step.</summary>
    public int StartStep { get; }

    /// <summary>RigL's defaults: cosine decay of α = 0.3, every ΔT = 100 steps, until 75% of training.</summary>
    public static UpdateSchedule Cosine(int every, int endStep, float dropFraction = 0.3f) => new(every, endStep, dropFraction, FractionDecay.Cosine);

    /// <summary>True when <paramref name="step"/> (1-based count of completed optimizer steps) is an update step.</summary>
    public bool IsUpdateStep(int step) => step > StartStep && step <= EndStep && step % Every == 0;

    /// <summary>The drop fraction at <paramref name="step"/> (0 after <see cref="EndStep"/>).</summary>
    public float FractionAt(int step)
    {
        if (step > EndStep) return 0f;
        float t = EndStep == 0 ? 1f : (float)step / EndStep;
        return Decay switch
        {
            FractionDecay.Constant => DropFraction,
            FractionDecay.Linear => DropFraction * (1f - t),
            _ => DropFraction * 0.5f * (1f + MathF.Cos(MathF.PI * t)),
        };
    }
}
