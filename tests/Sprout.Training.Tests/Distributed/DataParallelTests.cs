// DataParallel end to end on thread ranks: every topology method whose scores depend on data ends every update
// with bit-identical topologies, weights and optimizer state on all ranks (checked by direct comparison after
// each update, not only by the fingerprints DataParallel compares itself); N ranks match one process with the
// same global batch to float rounding; a NaN on one rank stops all ranks; ranks that built different topologies
// are refused at the start; rank 0's weights are what every rank starts from.
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

public class DataParallelTests
{
    private sealed record Snapshot(int Step, int[][] Structure, float[][] Values);

    private sealed class Result
    {
        public List<Snapshot> AfterUpdates { get; } = [];
        public float[][] Weights = [];
        public double TestLoss;
        public int Updates;
        public DataParallel? Dp;
        public long NnzBasedElements;
    }

    /// <summary>Records the model after every topology update (runs after the sparsity callback).</summary>
    private sealed class Recorder(Module model, Optimizer optimizer, SparseTrainingDriver driver, Result into) : ITrainingCallback
    {
        private int _updates;

        public void OnStepEnd(Trainer trainer, in StepInfo step)
        {
            if (driver.Updates == _updates) return;
            _updates = driver.Updates;
            into.AfterUpdates.Add(Take(step.Step, model, optimizer));
        }
    }

    private static Snapshot Take(int step, Module model, Optimizer optimizer)
    {
        var structure = model.SparseLayers().SelectMany(l => new[] { l.Topology.RowPointers.ToArray(), l.Topology.ColumnIndices.ToArray() }).ToArray();
        var values = model.NamedParameters().Select(p => p.Tensor.ToArray())
            .Concat(optimizer.StateTensors().Select(s => s.Tensor.ToArray())).ToArray();
        return new Snapshot(step, structure, values);
    }

    private static Result Train(ICommunicator comm, Func<ITopologyUpdater> updater, SparseLayerKind kind = SparseLayerKind.Csr,
        bool deterministic = false, int epochs = 3, int poisonRank = -1, ulong modelSeed = 1, bool viewLayers = true, int perturbRank = -1)
    {
        var result = new Result();
        var model = SparseModels.Build(f => Models.Mlp(8, [24, 16], 3, f), new DensityAllocationOptions(0.3, DensityDistribution.Uniform), new Rng(modelSeed), kind);
        if (comm.Rank == perturbRank) // different weights (same topology): rank 0's must win at the start
            foreach (var (_, t) in model.NamedParameters()) new Rng(99).FillNormal(t.Data, 0f, 1f);
        var optimizer = new Sgd(model.NamedParameters(), 0.05f, momentum: 0.9f);
        var trainer = new Trainer(model, optimizer);
        var dp = new DataParallel(comm, new DataParallelOptions { DeterministicReduction = deterministic, BucketElements = 97 });
        result.Dp = dp;
        trainer.Callbacks.Add(dp);
        var driver = new SparseTrainingDriver(model, updater(), new UpdateSchedule(3, 60, 0.3f), seed: 7, layerView: viewLayers ? DataParallel.LayerViewFor(trainer) : null);
        trainer.Callbacks.Add(new SparsityCallback(driver));
        trainer.Callbacks.Add(new Recorder(model, optimizer, driver, result));
        // 250 samples in batches of 32: the last batch (26) splits unevenly over 3 ranks.
        var train = new Blobs(samples: 250, features: 8, classes: 3, batchSize: 32, seed: 3) { PoisonBatch = comm.Rank == poisonRank ? 2 : -1 };
        var test = new Blobs(samples: 90, features: 8, classes: 3, batchSize: 45, seed: 4, shuffle: false);
        var history = trainer.Fit(dp.Shard(train), test, epochs);
        result.TestLoss = history[^1].TestLoss;
        result.Updates = driver.Updates;
        result.NnzBasedElements = model.SparseLayers().Sum(l => (long)l.Topology.Nnz) + model.NamedParameters().Where(p => p.Name.EndsWith("bias", StringComparison.Ordinal)).Sum(p => (long)p.Tensor.Size);
        result.Weights = model.NamedParameters().Select(p => p.Tensor.ToArray()).ToArray();
        return result;
    }

    public static TheoryData<string> Methods => ["rigl", "set", "gse-grabo", "gse-graest-global", "dst-ee", "snfs-sparse", "snfs-masked", "rigl-masked"];

    private static (Func<ITopologyUpdater> Updater, SparseLayerKind Kind) Method(string name) => name switch
    {
        "rigl" => (() => new RigL(), SparseLayerKind.Csr),
        "rigl-masked" => (() => new RigL(), SparseLayerKind.Masked),
        "set" => (() => new Set(), SparseLayerKind.Csr),
        "gse-grabo" => (() => new Gse(CandidateDistribution.GraBo), SparseLayerKind.Csr),
        "gse-graest-global" => (() => new Gse(CandidateDistribution.GraEst, scope: TopologyScope.Global), SparseLayerKind.Csr),
        "dst-ee" => (() => new DstEe(), SparseLayerKind.Csr),
        "snfs-sparse" => (() => new SparseMomentum(sampler: new CandidateSampler()), SparseLayerKind.Csr),
        "snfs-masked" => (() => new SparseMomentum(), SparseLayerKind.Masked),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryUpdate_LeavesIdenticalTopologyAndWeightsOnAllRanks(string method)
    {
        const int ranks = 3;
        var (updater, kind) = Method(method);
        var results = new Result[ranks];
        ThreadCommunicator.Run(ranks, comm => results[comm.Rank] = Train(comm, updater, kind));
        Assert.True(results[0].Updates >= 5, $"only {results[0].Updates} topology updates ran, {results[0].Dp!.Steps} steps");
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
        }
        // DataParallel compared fingerprints at the start, after each update (at the next step) and at the end.
        Assert.True(results[0].Dp!.Verifications >= results[0].Updates + 1, $"{results[0].Dp!.Verifications} checks for {results[0].Updates} updates");
        Assert.True(results[0].Dp!.TopologyBytesReduced > 0 || method is "set" or "rigl-masked" or "snfs-masked" or "snfs-sparse");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void NRanks_MatchOneProcess_WithTheSameGlobalBatch(int ranks)
    {
        Result single = null!;
        ThreadCommunicator.Run(1, comm => single = Train(comm, () => new RigL()));
        var results = new Result[ranks];
        ThreadCommunicator.Run(ranks, comm => results[comm.Rank] = Train(comm, () => new RigL()));
        Assert.Equal(single.Updates, results[0].Updates);
        // Same topology after every update, and weights equal up to the order of float additions.
        for (int u = 0; u < single.AfterUpdates.Count; u++)
            for (int i = 0; i < single.AfterUpdates[u].Structure.Length; i++)
                Assert.Equal(single.AfterUpdates[u].Structure[i], results[0].AfterUpdates[u].Structure[i]);
        for (int p = 0; p < single.Weights.Length; p++)
            for (int k = 0; k < single.Weights[p].Length; k++)
                Assert.Equal(single.Weights[p][k], results[0].Weights[p][k], 3e-4f);
        Assert.Equal(single.TestLoss, results[0].TestLoss, 1e-3);
        // The gradient slab carries nnz + biases, not the dense weight sizes.
        var dp = results[0].Dp!;
        Assert.Equal(4 * results[0].NnzBasedElements, dp.GradientBytesPerStep);
        Assert.Equal(dp.GradientBytesPerStep + 8, dp.AllReduceBytesPerStep);
    }

    [Fact]
    public void DeterministicReduction_IsBitIdenticalAcrossRanksAndReruns()
    {
        var first = new Result[3];
        var second = new Result[3];
        ThreadCommunicator.Run(3, comm => first[comm.Rank] = Train(comm, () => new RigL(), deterministic: true, epochs: 2));
        ThreadCommunicator.Run(3, comm => second[comm.Rank] = Train(comm, () => new RigL(), deterministic: true, epochs: 2));
        for (int r = 0; r < 3; r++)
            for (int p = 0; p < first[0].Weights.Length; p++)
            {
                Assert.Equal(first[0].Weights[p], first[r].Weights[p]);
                Assert.Equal(first[0].Weights[p], second[r].Weights[p]);
            }
    }

    [Fact]
    public void NonFiniteLossOnOneRank_StopsEveryRank()
    {
        var errors = new Exception?[2];
        ThreadCommunicator.Run(2, comm =>
        {
            try { Train(comm, () => new RigL(), poisonRank: 0); }
            catch (NonFiniteLossException e) { errors[comm.Rank] = e; }
        });
        Assert.All(errors, e => Assert.IsType<NonFiniteLossException>(e));
        Assert.Equal(((NonFiniteLossException)errors[0]!).Step, ((NonFiniteLossException)errors[1]!).Step);
    }

    [Fact]
    public void WithoutReducedScores_RanksDivergeAndTrainingStops()
    {
        // The control for the agreement test: RigL scoring each rank's own dense gradient grows different connections.
        var e = Assert.Throws<AggregateException>(() => ThreadCommunicator.Run(2, comm => Train(comm, () => new RigL(), viewLayers: false)));
        Assert.Contains("Ranks hold different models", e.InnerException!.Message);
    }

    [Fact]
    public void RankZerosWeights_AreBroadcastAtTheStart()
    {
        var plain = new Result[2];
        var perturbed = new Result[2];
        ThreadCommunicator.Run(2, comm => plain[comm.Rank] = Train(comm, () => new RigL(), epochs: 1));
        ThreadCommunicator.Run(2, comm => perturbed[comm.Rank] = Train(comm, () => new RigL(), epochs: 1, perturbRank: 1));
        for (int r = 0; r < 2; r++)
            for (int p = 0; p < plain[0].Weights.Length; p++) Assert.Equal(plain[0].Weights[p], perturbed[r].Weights[p]);
    }

    [Fact]
    public void SteadyStateStep_WithDataParallel_AllocatesNothing()
    {
        var data = new Blobs(samples: 64, batchSize: 16, seed: 5);
        var trainer = TrainerTests.Make(data);
        var dp = new DataParallel(new ReductionTests.SingleRank());
        trainer.Callbacks.Add(dp);
        var shard = dp.Shard(data);
        dp.OnTrainStart(trainer);
        shard.Reset(1);
        shard.Next(out var x, out var labels, out int n);
        for (int i = 0; i < 3; i++) trainer.TrainStep(x, labels, n, out _);
        Assert.Equal(0, Sprout.TestSupport.Allocations.OnceSettled(() => trainer.TrainStep(x, labels, n, out _), calls: 10));
        Assert.True(dp.Steps > 10);
    }

    [Fact]
    public void DifferentTopologies_AreRefusedAtTheStart()
    {
        var e = Assert.Throws<AggregateException>(() =>
            ThreadCommunicator.Run(2, comm => Train(comm, () => new RigL(), modelSeed: (ulong)comm.Rank + 1)));
        Assert.Contains("different topologies", e.InnerException!.Message);
    }
}
