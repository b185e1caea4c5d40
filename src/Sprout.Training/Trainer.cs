// Trainer: the supervised classification loop, kept small enough to copy. TrainStep is the whole step
// (schedule, forward, loss, backward, clip, update, callbacks); Evaluate is the no-grad pass; RunEpoch and
// Fit add timing, evaluation and progress events. A user who wants their own loop calls TrainStep, or
// copies its ten lines. It is not a data pipeline (IBatchSource), a logger (callbacks) or a display
// (IProgressReporter). The global step is the optimizer's StepCount, so schedules and checkpoints share
// one clock; after the first step nothing in TrainStep allocates beyond what the model does.
using System.Diagnostics;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;

namespace Sprout.Training;

/// <summary>Trains a classifier with cross-entropy, one epoch at a time.</summary>
public sealed class Trainer
{
    private readonly Tape _tape = new();
    private readonly Tensor[] _parameters;
    private readonly Evaluator _evaluator;

    /// <summary>Creates a trainer; <paramref name="schedule"/> defaults to a constant learning rate.</summary>
    public Trainer(Module model, Optimizer optimizer, LrSchedule? schedule = null, TrainerOptions? options = null)
    {
        Model = model;
        Optimizer = optimizer;
        Schedule = schedule ?? new ConstantLr();
        Options = options ?? new TrainerOptions();
        if (Options.LabelSmoothing is < 0f or >= 1f)
            throw new ArgumentOutOfRangeException(nameof(options), Options.LabelSmoothing, "Label smoothing must be in [0, 1).");
        if (!(Options.ClipNorm >= 0f)) throw new ArgumentOutOfRangeException(nameof(options), Options.ClipNorm, "ClipNorm must be ≥ 0.");
        LabelSmoothing = Options.LabelSmoothing;
        _parameters = [.. model.NamedParameters().Select(p => p.Tensor)];
        _evaluator = new Evaluator(model, _tape); // evaluation rents the step's buffers: no pool of its own
    }

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The optimizer; its <see cref="Optimizer.StepCount"/> is the global step.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The learning-rate schedule (a function of the global step).</summary>
    public LrSchedule Schedule { get; }

    /// <summary>Loop options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>
    /// Label smoothing of the loss from the next step on; starts at <see cref="TrainerOptions.LabelSmoothing"/>, and a
    /// callback may anneal it (ToST).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 1).</exception>
    public float LabelSmoothing
    {
        get;
        set => field = value is >= 0f and < 1f ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Label smoothing must be in [0, 1).");
    }

    /// <summary>Hooks called after each step and epoch (sparsity methods, loggers, checkpoints).</summary>
    public List<ITrainingCallback> Callbacks { get; } = [];

    /// <summary>Progress display, or null.</summary>
    public IProgressReporter? Progress { get; set; }

    /// <summary>Epochs finished so far (restored by a checkpoint when resuming).</summary>
    public int CompletedEpochs { get; set; }

    /// <summary>Optimizer steps taken so far.</summary>
    public int Step => Optimizer.StepCount;

    /// <summary>Loss of the batch in the step being taken (set before the backward callbacks run; data parallelism reduces it).</summary>
    public float LastLoss { get; private set; }

    /// <summary>
    /// One optimizer step on a batch: returns the loss and the number of correct predictions.
    /// </summary>
    /// <exception cref="NonFiniteLossException">The loss is NaN or infinite; the weights are left unchanged.</exception>
    public float TrainStep(Tensor inputs, int[] labels, int count, out int correct, int epoch = 0, int batch = 0)
    {
        Schedule.Apply(Optimizer, Optimizer.StepCount);
        Optimizer.ZeroGrad();
        for (int i = 0; i < Callbacks.Count; i++) Callbacks[i].OnForwardStart(this, Optimizer.StepCount);
        Tensor loss;
        using (_tape.Record())
        {
            var logits = Model.Forward(inputs);
            loss = Functional.CrossEntropy(logits, labels, count, LabelSmoothing);
            correct = Accuracy.CountCorrect(logits, labels, count);
        }
        float value = loss[0];
        LastLoss = value;
        if (!float.IsFinite(value))
        {
            // No backward and no step end follow, so nothing would hand back the batches sparse conv layers asked the tape
            // to keep (their release normally comes after the topology update): release them, then reset.
            ReleaseKeptBatches();
            _tape.Reset();
            for (int i = 0; i < Callbacks.Count; i++) Callbacks[i].OnBackwardEnd(this);
            throw new NonFiniteLossException(epoch, Optimizer.StepCount + 1, batch, value);
        }
        _tape.Backward(loss);
        for (int i = 0; i < Callbacks.Count; i++) Callbacks[i].OnBackwardEnd(this);
        if (Options.ClipNorm > 0f) GradientClipping.ClipNorm(_parameters, Options.ClipNorm);
        Optimizer.Step();
        _tape.Reset();

        var info = new StepInfo(epoch, Optimizer.StepCount, batch, value, count);
        for (int i = 0; i < Callbacks.Count; i++) Callbacks[i].OnStepEnd(this, in info);
        return value;
    }

    /// <summary>Mean loss and accuracy over a split, without recording gradients (evaluation mode).</summary>
    public EvalResult Evaluate(IBatchSource data)
    {
        for (int i = 0; i < Callbacks.Count; i++) Callbacks[i].OnEvaluateStart(this);
        try
        {
            return _evaluator.Evaluate(data);
        }
        finally
        {
            for (int i = 0; i < Callbacks.Count; i++) Callbacks[i].OnEvaluateEnd(this);
        }
    }

    /// <summary>Trains one epoch (number <see cref="CompletedEpochs"/> + 1), then evaluates.</summary>
    public EpochResult RunEpoch(IBatchSource train, IBatchSource test, IBatchSource? validation = null, int totalEpochs = 0,
        CancellationToken cancellation = default)
    {
        int epoch = CompletedEpochs + 1;
        Model.Train();
        train.Reset(epoch);
        Progress?.EpochStarted(epoch, totalEpochs, train.BatchesPerEpoch);
        long start = Stopwatch.GetTimestamp();
        double lossSum = 0;
        long correctSum = 0;
        int samples = 0, batch = 0;
        while (train.Next(out var inputs, out var labels, out int count))
        {
            cancellation.ThrowIfCancellationRequested();
            float loss = TrainStep(inputs, labels, count, out int correct, epoch, batch);
            lossSum += (double)loss * count;
            correctSum += correct;
            samples += count;
            batch++;
            if (Progress is not null)
                Progress.BatchCompleted(epoch, batch, lossSum / samples, (double)correctSum / samples, samples / Seconds(start));
        }
        double seconds = Seconds(start);
        ThrowIfNonFiniteParameters(epoch);

        long evalStart = Stopwatch.GetTimestamp();
        var testResult = Evaluate(test);
        EvalResult? validationResult = validation is null ? null : Evaluate(validation);
        CompletedEpochs = epoch;
        var result = new EpochResult
        {
            Epoch = epoch,
            Step = Optimizer.StepCount,
            TrainLoss = samples == 0 ? double.NaN : lossSum / samples,
            TrainAccuracy = samples == 0 ? double.NaN : (double)correctSum / samples,
            TestLoss = testResult.Loss,
            TestAccuracy = testResult.Accuracy,
            ValidationLoss = validationResult?.Loss,
            ValidationAccuracy = validationResult?.Accuracy,
            LearningRate = ShortestDouble(Optimizer.LearningRate),
            SamplesPerSecond = seconds > 0 ? samples / seconds : 0,
            Seconds = seconds,
            EvalSeconds = Seconds(evalStart),
        };
        foreach (var callback in Callbacks) callback.OnEpochEnd(this, result);
        Progress?.EpochCompleted(result, totalEpochs);
        return result;
    }

    /// <summary>
    /// Trains from epoch <see cref="CompletedEpochs"/> + 1 through <paramref name="epochs"/>, evaluating after each.
    /// </summary>
    /// <exception cref="NonFiniteLossException">The loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between batches.</exception>
    public IReadOnlyList<EpochResult> Fit(IBatchSource train, IBatchSource test, int epochs, IBatchSource? validation = null,
        CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochs);
        foreach (var callback in Callbacks) callback.OnTrainStart(this);
        var results = new List<EpochResult>();
        while (CompletedEpochs < epochs) results.Add(RunEpoch(train, test, validation, epochs, cancellation));
        foreach (var callback in Callbacks) callback.OnTrainEnd(this);
        return results;
    }

    /// <summary>The tape behind training and evaluation (tests check what it still keeps).</summary>
    internal Tape Tape => _tape;

    private void ReleaseKeptBatches()
    {
        foreach (var module in Model.Modules())
            if (module is IKeepsBatch keeper) keeper.ReleaseBatch();
    }

    private void ThrowIfNonFiniteParameters(int epoch)
    {
        foreach (var (name, tensor) in Model.NamedParameters())
            if (!IsFinite(tensor.Data)) throw new NonFiniteLossException(epoch, Optimizer.StepCount, name);
    }

    private static bool IsFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }

    // The float's shortest decimal form as a double, so logs show 0.05 rather than 0.05000000074505806.
    private static double ShortestDouble(float value) =>
        double.Parse(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

    private static double Seconds(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;
}
