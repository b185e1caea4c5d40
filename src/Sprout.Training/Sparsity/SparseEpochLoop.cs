// SparseEpochLoop: a bare epoch loop (forward, cross-entropy, backward, SGD step, sparsity driver) for the
// benchmarks (bench scale, Sprout.Bench.Sparse): it can stop after a few batches and times only the steps, and the
// caller owns the tape, so a warm-up call fills the pool the timed call reuses. Everything else trains through
// Trainer and evaluates through Evaluator.
using System.Diagnostics;
using Sprout.Core;
using Sprout.Data;
using Sprout.Nn;
using Sprout.Nn.Optim;

namespace Sprout.Training.Sparsity;

/// <summary>Minimal training and evaluation loops.</summary>
public static class SparseEpochLoop
{
    /// <summary>
    /// One pass over <paramref name="loader"/> (or its first <paramref name="maxBatches"/> batches): returns the mean
    /// loss, the wall time and the number of steps.
    /// </summary>
    public static (double Loss, TimeSpan Time, int Steps) TrainEpoch(Module model, DataLoader loader, Optimizer optimizer, Tape tape,
        SparseTrainingDriver? driver, int epoch, int maxBatches = int.MaxValue)
    {
        model.Train();
        double lossSum = 0;
        int steps = 0;
        var sw = Stopwatch.StartNew();
        loader.StartEpoch(epoch);
        while (steps < maxBatches && loader.MoveNext())
        {
            var batch = loader.Current;
            Tensor loss;
            using (tape.Record()) loss = Functional.CrossEntropy(model.Forward(batch.Inputs), loader.LabelBuffer, batch.Count);
            tape.Backward(loss);
            lossSum += loss[0];
            optimizer.Step();
            driver?.AfterOptimizerStep(optimizer.StepCount, optimizer, batch.Count);
            optimizer.ZeroGrad();
            tape.Reset();
            steps++;
        }
        return (steps == 0 ? 0 : lossSum / steps, sw.Elapsed, steps);
    }

    /// <summary>Top-1 accuracy of <paramref name="model"/> over <paramref name="loader"/>.</summary>
    public static double Accuracy(Module model, DataLoader loader, Tape tape)
    {
        model.Eval();
        long correct = 0, total = 0;
        loader.StartEpoch(0);
        while (loader.MoveNext())
        {
            var batch = loader.Current;
            using (tape.Evaluate()) correct += Sprout.Training.Accuracy.CountCorrect(model.Forward(batch.Inputs), batch.Labels, batch.Count);
            tape.Reset();
            total += batch.Count;
        }
        model.Train();
        return total == 0 ? 0 : (double)correct / total;
    }
}
