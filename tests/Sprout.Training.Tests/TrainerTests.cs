// Trainer tests on synthetic blobs: it learns, it is deterministic, callbacks see every step and epoch,
// a non-finite loss stops training without touching the weights, a steady-state step does not allocate, and the
// forward/backward/evaluation hooks run in order.
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Training.Runs;

namespace Sprout.Training.Tests;

public class TrainerTests
{
    internal static Trainer Make(Blobs data, ulong seed = 7, float lr = 0.05f, string optimizer = "sgd", int epochs = 3, float clip = 0f,
        int[]? hidden = null)
    {
        var model = Models.Mlp(data.Features, hidden ?? [16], data.Classes, Rng.Derive(seed, "init"));
        Optimizer opt = optimizer switch
        {
            "adam" => new Adam(model.NamedParameters(), lr),
            _ => new Sgd(model.NamedParameters(), lr, momentum: 0.9f, weightDecay: 1e-4f, nesterov: true),
        };
        int steps = epochs * data.BatchesPerEpoch;
        return new Trainer(model, opt, new WarmupLr(new CosineLr(steps), data.BatchesPerEpoch), new TrainerOptions { ClipNorm = clip });
    }

    [Fact]
    public void LearnsBlobs()
    {
        var (train, test) = (new Blobs(seed: 1), new Blobs(samples: 90, seed: 1, shuffle: false));
        var trainer = Make(train, epochs: 5);
        var results = trainer.Fit(train, test, epochs: 5);
        Assert.Equal(5, results.Count);
        Assert.Equal(5 * train.BatchesPerEpoch, trainer.Step);
        Assert.True(results[^1].TrainLoss < results[0].TrainLoss, $"{results[^1].TrainLoss} !< {results[0].TrainLoss}");
        Assert.True(results[^1].TestAccuracy > 0.9, $"test accuracy {results[^1].TestAccuracy}");
        Assert.All(results, r => Assert.True(r.Seconds > 0 && r.SamplesPerSecond > 0));
    }

    [Fact]
    public void SameSeedGivesIdenticalMetrics()
    {
        static string[] Run()
        {
            var (train, test) = (new Blobs(seed: 3), new Blobs(samples: 60, seed: 3, shuffle: false));
            return Make(train, clip: 1f).Fit(train, test, 3).Select(r => MetricsJson.Line(r with { Seconds = 0, EvalSeconds = 0, SamplesPerSecond = 0 })).ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void CallbacksSeeEveryStepAndEpoch()
    {
        var (train, test) = (new Blobs(seed: 2), new Blobs(samples: 30, seed: 2, shuffle: false));
        var trainer = Make(train, epochs: 2);
        var recorder = new Recorder();
        trainer.Callbacks.Add(recorder);
        trainer.Fit(train, test, 2);
        Assert.Equal(Enumerable.Range(1, 2 * train.BatchesPerEpoch), recorder.Steps);
        Assert.Equal([1, 2], recorder.Epochs);
        Assert.Equal(["start", "end"], recorder.Events);
    }

    [Fact]
    public void NonFiniteLossStopsBeforeTheUpdate()
    {
        // No hidden layer: a NaN input must reach the loss (ReLU maps NaN to 0).
        var (train, test) = (new Blobs(seed: 4), new Blobs(samples: 30, seed: 4, shuffle: false));
        var trainer = Make(train, hidden: []);
        trainer.Fit(train, test, 1);
        float[][] before = trainer.Model.NamedParameters().Select(p => p.Tensor.ToArray()).ToArray();
        train.PoisonBatch = 2;
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(train, test, 2));
        Assert.Equal(2, e.Epoch);
        Assert.Equal(2, e.Batch);
        Assert.Equal(train.BatchesPerEpoch + 3, e.Step);
        Assert.Contains("epoch 2, step", e.Message);
        Assert.Equal(1, trainer.CompletedEpochs);
        // The two good steps of epoch 2 moved the weights, but the weights are all finite.
        Assert.All(trainer.Model.NamedParameters(), p => Assert.All(p.Tensor.ToArray(), v => Assert.True(float.IsFinite(v))));
        Assert.NotEqual(before[0], trainer.Model.NamedParameters()[0].Tensor.ToArray());
    }

    [Fact]
    public void NaNInputStopsAtItsStepThroughReLU()
    {
        // ReLU propagates NaN (as in PyTorch), so a poisoned input reaches the loss at once instead of silently
        // corrupting the first layer's weights until the end-of-epoch weight check.
        var (train, test) = (new Blobs(seed: 4), new Blobs(samples: 30, seed: 4, shuffle: false));
        var trainer = Make(train);
        var recorder = new Recorder();
        trainer.Callbacks.Add(recorder);
        train.PoisonBatch = 1;
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Fit(train, test, 1));
        Assert.Contains("Loss became NaN at epoch 1", e.Message);
        Assert.Empty(recorder.Epochs); // no checkpoint callback ran on the bad state
        Assert.Equal(0, trainer.CompletedEpochs);
    }

    [Fact]
    public void NonFiniteLossReleasesTheBatchesTheTapeKept()
    {
        // CSR convs keep X and dY in the tape's buffers past the step (for RigL-style growth); with no topology driver
        // here nothing releases them between steps, so a finite step leaves them kept. A NaN step must not throw with
        // its own batches still kept.
        var model = SparseModels.Build(f => ConvModels.Build("resnet8", f, 2, 6, 6, 3), new DensityAllocationOptions(0.3), new Rng(1), SparseLayerKind.Csr);
        var trainer = new Trainer(model, new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f));
        var x = new Tensor(4, 2 * 6 * 6);
        new Rng(3).FillNormal(x.Data, 0, 1);
        int[] labels = [0, 1, 2, 0];
        trainer.TrainStep(x, labels, 4, out _);
        Assert.True(trainer.Tape.KeptCount > 0);
        x[0] = float.NaN;
        Assert.Throws<NonFiniteLossException>(() => trainer.TrainStep(x, labels, 4, out _));
        Assert.Equal(0, trainer.Tape.KeptCount);
    }

    [Fact]
    public void HugeLearningRateEndsInNonFiniteLoss()
    {
        var (train, test) = (new Blobs(seed: 5), new Blobs(samples: 30, seed: 5, shuffle: false));
        var trainer = Make(train, lr: 1e8f, epochs: 5);
        Assert.Throws<NonFiniteLossException>(() => trainer.Fit(train, test, 5));
    }

    [Fact]
    public void CancellationStopsBetweenBatches()
    {
        var (train, test) = (new Blobs(seed: 6), new Blobs(samples: 30, seed: 6, shuffle: false));
        var trainer = Make(train);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(train, test, 1, cancellation: cts.Token));
        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void SteadyStateStepDoesNotAllocate()
    {
        var train = new Blobs(seed: 8, batchSize: 40, samples: 400);
        var trainer = Make(train);
        train.Reset(1);
        Assert.True(train.Next(out var x, out var y, out int n));
        for (int i = 0; i < 3; i++) trainer.TrainStep(x, y, n, out _); // warm up pools and JIT
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) trainer.TrainStep(x, y, n, out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"5 steps allocated {allocated} bytes");
    }

    [Fact]
    public void EvaluateRestoresTrainingMode()
    {
        var test = new Blobs(samples: 30, seed: 9, shuffle: false);
        var trainer = Make(test);
        var r = trainer.Evaluate(test);
        Assert.Equal(30, r.Samples);
        Assert.True(trainer.Model.Training);
        Assert.InRange(r.Accuracy, 0, 1);
    }

    [Fact]
    public void StepHooksRunAroundForwardBackwardAndEvaluation()
    {
        var (train, test) = (new Blobs(seed: 10, samples: 80, batchSize: 40), new Blobs(samples: 30, seed: 10, shuffle: false));
        var trainer = Make(train, epochs: 1);
        var hooks = new HookRecorder();
        trainer.Callbacks.Add(hooks);
        trainer.Fit(train, test, epochs: 1);
        Assert.Equal(["forward 0", "backward", "step 1", "forward 1", "backward", "step 2", "eval", "eval end"], hooks.Events);
    }

    private sealed class HookRecorder : ITrainingCallback
    {
        public List<string> Events { get; } = [];
        public void OnForwardStart(Trainer trainer, int step) => Events.Add($"forward {step}");
        public void OnBackwardEnd(Trainer trainer) => Events.Add("backward");
        public void OnStepEnd(Trainer trainer, in StepInfo step) => Events.Add($"step {step.Step}");
        public void OnEvaluateStart(Trainer trainer) => Events.Add("eval");
        public void OnEvaluateEnd(Trainer trainer) => Events.Add("eval end");
    }

    private sealed class Recorder : ITrainingCallback
    {
        public List<int> Steps { get; } = [];
        public List<int> Epochs { get; } = [];
        public List<string> Events { get; } = [];
        public void OnTrainStart(Trainer trainer) => Events.Add("start");
        public void OnStepEnd(Trainer trainer, in StepInfo step) => Steps.Add(step.Step);
        public void OnEpochEnd(Trainer trainer, EpochResult result) => Epochs.Add(result.Epoch);
        public void OnTrainEnd(Trainer trainer) => Events.Add("end");
    }
}
