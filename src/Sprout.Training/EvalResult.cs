// EvalResult: loss and accuracy of a model on one split.
namespace Sprout.Training;

/// <summary>Mean loss and accuracy (fraction) over a split.</summary>
public readonly record struct EvalResult(double Loss, double Accuracy, int Samples);
