// Evaluator: the no-grad evaluation pass (mean loss and accuracy over a split), usable without an
// optimizer, e.g. by `sprout eval`. It switches the model to evaluation mode for the pass and back.
using Sprout.Core;
using Sprout.Nn;

namespace Sprout.Training;

/// <summary>Evaluates a classifier on a split.</summary>
public sealed class Evaluator(Module model)
{
    private readonly Tape _tape = new();

    /// <summary>Mean cross-entropy and accuracy over <paramref name="data"/> (NaN for an empty split).</summary>
    public EvalResult Evaluate(IBatchSource data)
    {
        bool wasTraining = model.Training;
        model.Eval();
        double lossSum = 0;
        long correct = 0;
        int samples = 0;
        data.Reset(0);
        while (data.Next(out var inputs, out var labels, out int count))
        {
            using (_tape.Evaluate())
            {
                var logits = model.Forward(inputs);
                lossSum += (double)Functional.CrossEntropy(logits, labels, count, 0f)[0] * count;
                correct += Accuracy.CountCorrect(logits, labels, count);
            }
            _tape.Reset();
            samples += count;
        }
        if (wasTraining) model.Train();
        return samples == 0 ? new EvalResult(double.NaN, double.NaN, 0) : new EvalResult(lossSum / samples, (double)correct / samples, samples);
    }
}
