// TrainerOptions: the loop's own knobs (not the optimizer's or the schedule's).
namespace Sprout.Training;

/// <summary>Options of <see cref="Trainer"/>.</summary>
public sealed record TrainerOptions
{
    /// <summary>Label smoothing of the cross-entropy loss, in [0, 1).</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>Clip the global gradient norm to this value before each step; 0 = off.</summary>
    public float ClipNorm { get; init; }
}
