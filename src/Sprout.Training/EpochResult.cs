// EpochResult: the numbers one epoch produced (training averages, evaluation, learning rate, timing).
// Plain data: it is what metrics.jsonl, the console and callbacks see. Accuracies are fractions in [0, 1].
namespace Sprout.Training;

/// <summary>Metrics of one finished epoch.</summary>
public sealed record EpochResult
{
    /// <summary>1-based epoch number.</summary>
    public required int Epoch { get; init; }

    /// <summary>Optimizer steps taken since the start of training (including resumed ones).</summary>
    public required int Step { get; init; }

    /// <summary>Mean training loss over the epoch's samples (weights as they were at each step).</summary>
    public required double TrainLoss { get; init; }

    /// <summary>Fraction of training samples classified correctly during the epoch.</summary>
    public required double TrainAccuracy { get; init; }

    /// <summary>Loss on the test split after the epoch.</summary>
    public required double TestLoss { get; init; }

    /// <summary>Accuracy on the test split after the epoch.</summary>
    public required double TestAccuracy { get; init; }

    /// <summary>Loss on the validation split, when one is configured.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Accuracy on the validation split, when one is configured.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>Learning rate used by the epoch's last step.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Training throughput (samples / <see cref="Seconds"/>).</summary>
    public required double SamplesPerSecond { get; init; }

    /// <summary>Wall time of the training pass (evaluation excluded).</summary>
    public required double Seconds { get; init; }

    /// <summary>Wall time of evaluation after the epoch.</summary>
    public required double EvalSeconds { get; init; }
}
