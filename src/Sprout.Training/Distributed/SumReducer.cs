// SumReducer: the one way Sprout sums float buffers across ranks, shared by the gradient slab and by the topology
// scores that depend on data. Fast mode is MPI_Allreduce (the library picks the algorithm, so the order of the
// additions is its own: results match one process to within float rounding). Deterministic mode gathers every
// rank's buffer and adds them in rank order 0, 1, …, N−1 on every rank, so all ranks hold bit-identical sums and a
// rerun reproduces them bit for bit, at N× the traffic of the gather.
namespace Sprout.Training.Distributed;

/// <summary>Sums float buffers over all ranks of a communicator, in place.</summary>
public sealed class SumReducer
{
    private float[] _gathered = [];

    /// <summary>Creates a reducer over <paramref name="communicator"/>.</summary>
    public SumReducer(ICommunicator communicator, bool deterministic = false)
    {
        Communicator = communicator ?? throw new ArgumentNullException(nameof(communicator));
        Deterministic = deterministic;
    }

    /// <summary>The ranks summed over.</summary>
    public ICommunicator Communicator { get; }

    /// <summary>True: every rank adds the gathered buffers in rank order (bit-identical on all ranks).</summary>
    public bool Deterministic { get; }

    /// <summary>Elements summed so far (all calls), for traffic accounting.</summary>
    public long ElementsReduced { get; private set; }

    /// <summary>Replaces <paramref name="values"/> on every rank by its sum over all ranks.</summary>
    public void Sum(Span<float> values)
    {
        ElementsReduced += values.Length;
        int size = Communicator.Size;
        if (size == 1 || values.IsEmpty) return;
        if (!Deterministic)
        {
            Communicator.AllReduce(values);
            return;
        }
        int n = values.Length;
        if (_gathered.Length < (long)n * size) _gathered = new float[(long)n * size]; // grows to the largest bucket, then stays
        var all = _gathered.AsSpan(0, n * size);
        Communicator.AllGather(values, all);
        all[..n].CopyTo(values);
        for (int r = 1; r < size; r++)
            System.Numerics.Tensors.TensorPrimitives.Add(values, all.Slice(r * n, n), values);
    }
}
