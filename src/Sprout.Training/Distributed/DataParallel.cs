// DataParallel: data-parallel training as a Trainer callback (PyTorch DDP's shape, Horovod's wrap-the-loop
// surface). Every rank holds the same model and trains on its shard of every global batch (Shard). At the start,
// rank 0's parameters and optimizer state are broadcast after checking that every rank built the same topology.
// After each backward pass, the gradient slab sums scale·gradient over ranks (scale = the rank's share of the
// batch), so optimizer.Step() sees the global batch's gradient on every rank; the loss rides along, so a NaN on any
// rank stops every rank at the same step. Topology methods see layers through View, which sums their
// data-dependent scores; their randomness comes from the shared seed. After every topology update (flagged by any
// rank, agreed through the slab), after every epoch and at the end, ranks compare model fingerprints and stop if
// they differ.
// BatchNorm running statistics (Module buffers) are local while training (each rank normalizes with its own shard's
// statistics) and rank 0's are broadcast at the start and before every evaluation, so every rank evaluates, and rank 0
// checkpoints, one model (docs/distributed.md).
// Not here: logging and checkpoints (the caller writes them on rank 0 only).
using System.Diagnostics;
using System.Text.Json.Nodes;
using Sprout.Core;
using Sprout.Nn;
using Sprout.Nn.Optim;
using Sprout.Sparse;

namespace Sprout.Training.Distributed;

/// <summary>Synchronizes a <see cref="Trainer"/> across the ranks of a communicator.</summary>
/// <example><code>
/// var dp = new DataParallel(MpiCommunicator.Initialize());
/// trainer.Callbacks.Insert(0, dp);                    // before the sparsity callbacks
/// var driver = new SparseTrainingDriver(model, new RigL(), schedule, seed, layerView: dp.View);
/// trainer.Fit(dp.Shard(trainBatches), testBatches, epochs);
/// </code></example>
public sealed class DataParallel : ITrainingCallback
{
    private const int LossSlot = 0, RewiredSlot = 1, ExtraSlots = 2;

    /// <summary>
    /// Every this many steps a barrier before the reduction splits its time into waiting for the slowest rank and the
    /// transfer itself (the cost model's two terms); one extra latency per 10 steps.
    /// </summary>
    public const int SampleEvery = 10;
    private readonly SumReducer _reducer;
    private readonly float[] _extras = new float[ExtraSlots];
    private readonly long[] _check = new long[2];
    private GradientSlab? _slab;
    private bool _rewired;
    private long _reduceTicks, _slabElementsReduced, _sampledWaitTicks, _sampledReduceTicks, _sampledSteps;

    /// <summary>Creates the synchronizer for this rank of <paramref name="communicator"/>.</summary>
    public DataParallel(ICommunicator communicator, DataParallelOptions? options = null)
    {
        Communicator = communicator ?? throw new ArgumentNullException(nameof(communicator));
        Options = options ?? new DataParallelOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.BucketElements, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.VerifyEvery, nameof(options));
        _reducer = new SumReducer(communicator, Options.DeterministicReduction);
    }

    /// <summary>The ranks.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>The options.</summary>
    public DataParallelOptions Options { get; }

    /// <summary>True on rank 0, the only rank that should write logs, checkpoints and summaries.</summary>
    public bool IsRoot => Communicator.Rank == 0;

    /// <summary>This rank's slice of the current global batch.</summary>
    public BatchShare Share { get; } = new();

    /// <summary>Global mean loss of the last step (the batch-weighted sum of the ranks' losses).</summary>
    public float LastGlobalLoss { get; private set; }

    /// <summary>Steps whose gradients were reduced.</summary>
    public long Steps { get; private set; }

    /// <summary>Fingerprint comparisons made (all passed, or training would have stopped).</summary>
    public int Verifications { get; private set; }

    /// <summary>The gradient slab (null before training starts).</summary>
    public GradientSlab? Slab => _slab;

    /// <summary>Gradient bytes summed per step: 4 × (Σ nnz of sparse weights + every dense parameter's size).</summary>
    public long GradientBytesPerStep => 4L * (_slab?.GradientElements ?? 0);

    /// <summary>Bytes each rank contributes to the step's reduction: the gradients plus the status slots.</summary>
    public long AllReduceBytesPerStep => 4L * (_slab?.TotalElements ?? 0);

    /// <summary>Bytes summed for topology scores (RigL's dense blocks, sampled candidates) so far.</summary>
    public long TopologyBytesReduced => 4L * (_reducer.ElementsReduced - _slabElementsReduced);

    /// <summary>Seconds spent in gradient reductions so far (packing, waiting for the slowest rank, summing, unpacking).</summary>
    public double ReduceSeconds => (double)_reduceTicks / Stopwatch.Frequency;

    /// <summary>This rank's shard of <paramref name="global"/> (the same global batches on every rank).</summary>
    public IBatchSource Shard(IBatchSource global) => new ShardedBatchSource(global, Communicator.Rank, Communicator.Size, Share);

    /// <summary>The view of <paramref name="layer"/> a topology scheduler must use, so that its decisions agree on every rank.</summary>
    public ISparseLayer View(ISparseLayer layer) => new ReducedSparseLayer(layer, _reducer, Share, () => _rewired = true);

    /// <summary>The layer view of the DataParallel among <paramref name="trainer"/>'s callbacks, or null when training on one process.</summary>
    public static Func<ISparseLayer, ISparseLayer>? LayerViewFor(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        foreach (var callback in trainer.Callbacks)
            if (callback is DataParallel dp) return dp.View;
        return null;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The ranks built different topologies or parameter shapes.</exception>
    public void OnTrainStart(Trainer trainer)
    {
        _slab ??= new GradientSlab(trainer.Model.NamedParameters().Select(p => p.Tensor).Where(t => t.RequiresGrad), Options.BucketElements, ExtraSlots);
        if (!Agree(ModelFingerprint.Of(trainer.Model, structureOnly: true)))
            throw new InvalidOperationException("The ranks built different topologies or parameter shapes: start every rank with the same settings and --seed.");
        BroadcastModel(trainer.Model, trainer.Optimizer);
        Verify(trainer);
    }

    /// <inheritdoc/>
    /// <exception cref="NonFiniteLossException">The loss was not finite on some rank (raised on every rank).</exception>
    public void OnBackwardEnd(Trainer trainer)
    {
        var slab = _slab ?? throw new InvalidOperationException("DataParallel.OnTrainStart was not called: train through Trainer.Fit, or call it first.");
        float weight = Share.Global == 0 ? 1f / Communicator.Size : Share.Weight;
        _extras[LossSlot] = trainer.LastLoss * weight;
        _extras[RewiredSlot] = _rewired ? 1f : 0f;
        _rewired = false;
        bool sample = trainer.Step % SampleEvery == 0; // the same steps on every rank
        long start = Stopwatch.GetTimestamp();
        if (sample)
        {
            Communicator.Barrier();
            long arrived = Stopwatch.GetTimestamp();
            _sampledWaitTicks += arrived - start;
            start = arrived;
        }
        slab.Reduce(_reducer, weight, _extras);
        long ticks = Stopwatch.GetTimestamp() - start;
        _reduceTicks += ticks;
        if (sample)
        {
            _sampledReduceTicks += ticks;
            _sampledSteps++;
        }
        _slabElementsReduced += slab.TotalElements;
        Steps++;
        LastGlobalLoss = slab.Extras[LossSlot];
        if (!float.IsFinite(LastGlobalLoss))
            throw new NonFiniteLossException(trainer.CompletedEpochs + 1, trainer.Step + 1, -1, LastGlobalLoss);
        // Every rank sees the same flag, so every rank compares fingerprints at the same step (the weights are those
        // the previous step's topology update left: nothing has changed them since).
        bool verify = slab.Extras[RewiredSlot] > 0f || (Options.VerifyEvery > 0 && trainer.Step % Options.VerifyEvery == 0);
        if (verify) Verify(trainer);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Broadcasts rank 0's buffers (BatchNorm running statistics, which drift apart while each rank normalizes with its
    /// own shard), so every rank evaluates the same model and the checkpoint written after the evaluation is the model
    /// every rank holds. Every rank evaluates, so every rank makes this call.
    /// </remarks>
    public void OnEvaluateStart(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        BroadcastBuffers(trainer.Model);
    }

    /// <summary>Copies rank 0's buffers (BatchNorm running statistics) to every rank.</summary>
    public void BroadcastBuffers(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, t) in model.NamedBuffers()) Communicator.Broadcast(t.Data);
    }

    /// <inheritdoc/>
    /// <remarks>Also catches methods that change the topology without a flagged rewire (TopKast, Spartan, pruning).</remarks>
    public void OnEpochEnd(Trainer trainer, EpochResult result) => Verify(trainer);

    /// <inheritdoc/>
    public void OnTrainEnd(Trainer trainer) => Verify(trainer);

    /// <summary>Copies rank 0's parameters and optimizer state to every rank (the structure must already agree).</summary>
    public void BroadcastModel(Module model, Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, t) in model.NamedParameters()) Communicator.Broadcast(t.Data);
        // Buffers (BatchNorm running statistics) start equal; each rank then keeps local statistics until the next
        // evaluation (OnEvaluateStart), docs/distributed.md.
        BroadcastBuffers(model);
        if (optimizer is not null)
            foreach (var (_, t) in optimizer.StateTensors()) Communicator.Broadcast(t.Data);
    }

    /// <summary>Compares the model's fingerprint (topology, weights, optimizer state) across ranks.</summary>
    /// <exception cref="InvalidOperationException">Some rank holds a different model.</exception>
    public void Verify(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        Verifications++;
        if (!Agree(ModelFingerprint.Of(trainer.Model, trainer.Optimizer)))
            throw new InvalidOperationException($"Ranks hold different models after step {trainer.Step}: a topology decision or a reduction did not agree.");
    }

    /// <summary>The run's distributed facts for summary.json.</summary>
    public JsonObject Summary() => new()
    {
        ["world_size"] = Communicator.Size,
        ["deterministic_reduction"] = Options.DeterministicReduction,
        ["gradient_elements"] = _slab?.GradientElements ?? 0,
        ["gradient_bytes_per_step"] = GradientBytesPerStep,
        ["allreduce_bytes_per_step"] = AllReduceBytesPerStep,
        ["buckets"] = _slab?.Buckets ?? 0,
        ["bucket_bytes"] = 4L * Options.BucketElements,
        ["plans"] = _slab?.Plans ?? 0,
        ["steps"] = Steps,
        ["reduce_ms_per_step"] = Steps == 0 ? 0 : Math.Round(1000 * ReduceSeconds / Steps, 4),
        ["sampled_wait_ms"] = Milliseconds(_sampledWaitTicks, _sampledSteps),
        ["sampled_reduce_ms"] = Milliseconds(_sampledReduceTicks, _sampledSteps),
        ["topology_bytes_reduced"] = TopologyBytesReduced,
        ["agreement_checks"] = Verifications,
    };

    private static double Milliseconds(long ticks, long count) => count == 0 ? 0 : Math.Round(1000.0 * ticks / Stopwatch.Frequency / count, 4);

    // One all-reduce of (v, ¬v) with MIN gives min(v) and ¬max(v): equal exactly when every rank holds v.
    private bool Agree(ulong value)
    {
        _check[0] = (long)value;
        _check[1] = ~(long)value;
        Communicator.AllReduce(_check.AsSpan(), ReduceOp.Min);
        return _check[0] == ~_check[1] && _check[0] == (long)value;
    }
}
