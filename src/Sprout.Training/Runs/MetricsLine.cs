// MetricsLine: the fields of a metrics.jsonl line that are read back (summary.json's totals, resume's trim).
// Parsing lives in MetricsJson beside the writer, so the field names are spelled in one file.
namespace Sprout.Training.Runs;

/// <summary>One epoch as read back from metrics.jsonl; a number written as null (diverged) reads as NaN.</summary>
public readonly record struct MetricsLine(int Epoch, double TestAccuracy, double TestLoss, double Seconds);
