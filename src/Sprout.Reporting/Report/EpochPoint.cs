// EpochPoint: one metrics.jsonl line as the report reads it (NaN for a missing or null number).
namespace Sprout.Reporting.Report;

/// <summary>Metrics of one epoch.</summary>
public sealed record EpochPoint(int Epoch, long Step, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double LearningRate);
