// DataParallel on conv nets, thread ranks: a tiny sparse ResNet-8 (1×8×8, BatchNorm) ends every topology update with
// bit-identical topologies, weights and optimizer state on all ranks for rigl, set, gse, dst-ee and snfs; BatchNorm
// running statistics drift apart while training (each rank normalizes its own B/N samples) and are made equal again
// before every evaluation, so all ranks evaluate, and rank 0 checkpoints, the same model. N ranks vs one process:
// exact to float order on LeNet-5 (no BatchNorm), within a stated tolerance on ResNet-8 (BatchNorm over B/N).
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;
using Sprout.Sparse.Allocation;
using Sprout.Sparse.Topology;
using Sprout.Sparse.Topology.Methods;
using Sprout.Training.Distributed;
using Sprout.Training.Sparsity;

namespace Sprout.Training.Tests.Distributed;

public class DataParallelConvTests
{
    private sealed record Snapshot(int Step, int[][] Structure, float[][] Values);

    private sealed class Result
    {
        public List<Snapshot> AfterUpdates { get; } = [];
        public List<float[][]> BuffersAtEvaluation { get; } = [];
        public List<float[][]> BuffersBeforeEvaluation { get; } = [];
        public float[][] Weights = [];
        public double TestLoss, TestAccuracy;
        public int Updates;
        public DataParallel? Dp;
    }

    /// <summary>Records the model after every topology update, and the BatchNorm buffers before and during each evaluation.</summary>
    private sealed class Recorder(Module model, Optimizer optimizer, SparseTrainingDriver driver, Result into, int stepsPerEpoch) : ITrainingCallback
    {
        private int _updates;

        public void OnStepEnd(Trainer trainer, in StepInfo step)
        {
            if (step.Step % stepsPerEpoch == 0) into.BuffersBeforeEvaluation.Add(Buffers(model)); // last step of an epoch
            if (driver.Updates == _updates) return;
            _updates = driver.Updates;
            var structure = model.SparseLayers().SelectMany(l => new[] { l.Topology.RowPointers.ToArray(), l.Topology.ColumnIndices.ToArray() }).ToArray();
            var values = model.NamedParameters().Select(p => p.Tensor.ToArray()).Concat(optimizer.StateTensors().Select(s => s.Tensor.ToArray())).ToArray();
            into.AfterUpdates.Add(new Snapshot(step.Step, structure, values));
        }

        public void OnEvaluateEnd(Trainer trainer) => into.BuffersAtEvaluation.Add(Buffers(model));

        private static float[][] Buffers(Module m) => m.NamedBuffers().Select(b => b.Tensor.ToArray()).ToArray();
    }

    private static Result Train(ICommunicator comm, string model, Func<ITopologyUpdater> updater, SparseLayerKind kind, int epochs = 2)
    {
        var result = new Result();
        (int side, double density) = model == "lenet5" ? (16, 0.2) : (8, 0.3);
        var net = SparseModels.Build(f => ConvModels.Build(model, f, 1, side, side, 3), new DensityAllocationOptions(density, DensityDistribution.Uniform), new Rng(1), kind);
        var optimizer = new Sgd(net.NamedParameters(), 0.05f, momentum: 0.9f);
        var trainer = new Trainer(net, optimizer);
        var dp = new DataParallel(comm, new DataParallelOptions { BucketElements = 997 });
        result.Dp = dp;
        trainer.Callbacks.Add(dp);
        var driver = new SparseTrainingDriver(net, updater(), new UpdateSchedule(2, 1000, 0.3f), seed: 7, layerView: DataParallel.LayerViewFor(trainer));
        trainer.Callbacks.Add(new SparsityCallback(driver));
        // 100 samples in batches of 24: 5 steps per epoch, the last batch (4) splits unevenly over 3 ranks.
        var train = new Blobs(samples: 100, features: side * side, classes: 3, batchSize: 24, seed: 3);
        var test = new Blobs(samples: 60, features: side * side, classes: 3, batchSize: 30, seed: 3, shuffle: false);
        trainer.Callbacks.Add(new Recorder(net, optimizer, driver, result, train.BatchesPerEpoch));
        var history = trainer.Fit(dp.Shard(train), test, epochs);
        (result.TestLoss, result.TestAccuracy) = (history[^1].TestLoss, history[^1].TestAccuracy);
        result.Updates = driver.Updates;
        result.Weights = net.NamedParameters().Select(p => p.Tensor.ToArray()).ToArray();
        return result;
    }

    public static TheoryData<string> Methods => ["rigl", "set", "gse", "dst-ee", "snfs", "snfs-sparse"];

    private static (Func<ITopologyUpdater> Updater, SparseLayerKind Kind) Method(string name) => name switch
    {
        "rigl" => (() => new RigL(), SparseLayerKind.Csr),
        "set" => (() => new Set(), SparseLayerKind.Csr),
        "gse" => (() => new Gse(CandidateDistribution.GraBo), SparseLayerKind.Csr),
        "dst-ee" => (() => new DstEe(), SparseLayerKind.Csr),
        "snfs" => (() => new SparseMomentum(), SparseLayerKind.Masked),
        "snfs-sparse" => (() => new SparseMomentum(sampler: new CandidateSampler()), SparseLayerKind.Csr),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void ResNet_EveryUpdate_LeavesIdenticalTopologyAndWeightsOnAllRanks(string method)
    {
        const int ranks = 3;
        var (updater, kind) = Method(method);
        var results = new Result[ranks];
        ThreadCommunicator.Run(ranks, comm => results[comm.Rank] = Train(comm, "resnet8", updater, kind));
        Assert.True(results[0].Updates >= 3, $"only {results[0].Updates} topology updates ran");
        Assert.Equal(results[0].Updates, results[0].AfterUpdates.Count);
        for (int r = 1; r < ranks; r++)
        {
            Assert.Equal(results[0].AfterUpdates.Count, results[r].AfterUpdates.Count);
            for (int u = 0; u < results[0].AfterUpdates.Count; u++)
            {
                Snapshot a = results[0].AfterUpdates[u], b = results[r].AfterUpdates[u];
                Assert.Equal(a.Step, b.Step);
                Assert.Equal(a.Structure.Length, b.Structure.Length);
                for (int i = 0; i < a.Structure.Length; i++) Assert.Equal(a.Structure[i], b.Structure[i]);
                for (int i = 0; i < a.Values.Length; i++) Assert.Equal(a.Values[i], b.Values[i]); // exact
            }
            Assert.Equal(results[0].TestLoss, results[r].TestLoss); // same weights and (broadcast) statistics
        }
        Assert.True(results[0].Dp!.Verifications >= results[0].Updates + 1);
        Assert.True(results[0].Dp!.TopologyBytesReduced > 0 || method is "set" or "snfs" or "snfs-sparse");
    }

    [Fact]
    public void ResNet_BatchNormStatistics_DriftWhileTraining_AndAreEqualAtEveryEvaluation()
    {
        var results = new Result[2];
        ThreadCommunicator.Run(2, comm => results[comm.Rank] = Train(comm, "resnet8", () => new RigL(), SparseLayerKind.Csr));
        Assert.NotEmpty(results[0].BuffersAtEvaluation[0]);
        // Control: local statistics over each rank's own half differ at the end of every epoch ...
        for (int e = 0; e < results[0].BuffersBeforeEvaluation.Count; e++)
            Assert.False(Same(results[0].BuffersBeforeEvaluation[e], results[1].BuffersBeforeEvaluation[e]), $"epoch {e + 1}: buffers already equal");
        // ... and are rank 0's on every rank during each evaluation (so rank 0's checkpoint is what every rank evaluated).
        Assert.Equal(2, results[0].BuffersAtEvaluation.Count);
        for (int e = 0; e < results[0].BuffersAtEvaluation.Count; e++)
        {
            Assert.True(Same(results[0].BuffersAtEvaluation[e], results[1].BuffersAtEvaluation[e]), $"evaluation {e + 1}: buffers differ");
            Assert.True(Same(results[0].BuffersBeforeEvaluation[e], results[1].BuffersAtEvaluation[e]), "rank 1 did not receive rank 0's statistics");
        }
    }

    private static bool Same(float[][] a, float[][] b) => a.Length == b.Length && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void LeNet_NRanks_MatchOneProcess_ToFloatOrder(int ranks)
    {
        // No BatchNorm: the global batch's gradient is the sum of the shards', so only float summation order differs.
        Result single = null!;
        ThreadCommunicator.Run(1, comm => single = Train(comm, "lenet5", () => new RigL(), SparseLayerKind.Csr));
        var results = new Result[ranks];
        ThreadCommunicator.Run(ranks, comm => results[comm.Rank] = Train(comm, "lenet5", () => new RigL(), SparseLayerKind.Csr));
        Assert.True(single.Updates >= 3);
        Assert.Equal(single.Updates, results[0].Updates);
        for (int u = 0; u < single.AfterUpdates.Count; u++)
            for (int i = 0; i < single.AfterUpdates[u].Structure.Length; i++)
                Assert.Equal(single.AfterUpdates[u].Structure[i], results[0].AfterUpdates[u].Structure[i]);
        for (int p = 0; p < single.Weights.Length; p++)
            for (int k = 0; k < single.Weights[p].Length; k++)
                Assert.Equal(single.Weights[p][k], results[0].Weights[p][k], 3e-4f);
        Assert.Equal(single.TestLoss, results[0].TestLoss, 1e-3);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ResNet_NRanks_MatchOneProcess_WithinBatchNormTolerance(int ranks)
    {
        // With BatchNorm each rank normalizes with the mean and variance of its own B/N samples (12 or 8 here), so
        // from the first step the forward pass, and hence the gradient, differ from one process by more than float
        // order; RigL then grows different connections and the weights are not comparable. The tolerance is therefore
        // on the outcome after 12 epochs (60 steps): the same number of topology updates, test accuracy within one of
        // the 60 test images, and both test losses below 0.02 (measured: 1 process 0.0010; 2 ranks 0.0020; 3 ranks 0.0008).
        Result single = null!;
        ThreadCommunicator.Run(1, comm => single = Train(comm, "resnet8", () => new RigL(), SparseLayerKind.Csr, epochs: 12));
        var results = new Result[ranks];
        ThreadCommunicator.Run(ranks, comm => results[comm.Rank] = Train(comm, "resnet8", () => new RigL(), SparseLayerKind.Csr, epochs: 12));
        Assert.Equal(single.Updates, results[0].Updates);
        Assert.Equal(single.TestAccuracy, results[0].TestAccuracy, 1.0 / 60 + 1e-9);
        Assert.True(single.TestLoss < 0.02 && results[0].TestLoss < 0.02, $"test loss {single.TestLoss:G4} (1 process) vs {results[0].TestLoss:G4} ({ranks} ranks)");
    }
}
