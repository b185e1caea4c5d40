// ThreadCommunicator: N ranks as N threads of the test process, so data-parallel logic is tested without mpirun.
// Each collective deposits every rank's buffer in a shared slot, meets at a barrier, and combines the slots in
// rank order (so sums are bit-identical on all ranks, like the deterministic reduction), then meets again before
// anyone may overwrite its slot. A rank that throws breaks the barrier for the others instead of hanging them.
using System.Numerics;
using Sprout.Training.Distributed;

namespace Sprout.Training.Tests.Distributed;

internal sealed class ThreadCommunicator : ICommunicator
{
    private readonly Group _group;

    private ThreadCommunicator(Group group, int rank) => (_group, Rank) = (group, rank);

    public int Rank { get; }
    public int Size => _group.Size;

    /// <summary>Calls body(rank communicator) on <paramref name="size"/> threads and rethrows the first failure.</summary>
    public static void Run(int size, Action<ThreadCommunicator> body)
    {
        var group = new Group(size);
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try { body(new ThreadCommunicator(group, r)); }
            catch (Exception e)
            {
                errors[r] = e;
                group.Fail();
            }
        }, 16 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var first = errors.FirstOrDefault(e => e is not null and not BrokenGroupException) ?? errors.FirstOrDefault(e => e is not null);
        if (first is not null) throw new AggregateException($"a rank failed: {first.Message}", first);
    }

    public void AllReduce(Span<float> values, ReduceOp op = ReduceOp.Sum) => Reduce(values, op);
    public void AllReduce(Span<double> values, ReduceOp op = ReduceOp.Sum) => Reduce(values, op);
    public void AllReduce(Span<long> values, ReduceOp op = ReduceOp.Sum) => Reduce(values, op);

    public void AllGather(ReadOnlySpan<float> send, Span<float> receive)
    {
        _group.Slots[Rank] = send.ToArray();
        _group.Meet();
        for (int r = 0; r < Size; r++) ((float[])_group.Slots[r]!).CopyTo(receive.Slice(r * send.Length, send.Length));
        _group.Meet();
    }

    public void Broadcast(Span<float> values, int root = 0) => Bcast(values, root);
    public void Broadcast(Span<byte> values, int root = 0) => Bcast(values, root);

    public void Barrier() => _group.Meet();

    private void Reduce<T>(Span<T> values, ReduceOp op) where T : INumber<T>
    {
        _group.Slots[Rank] = values.ToArray();
        _group.Meet();
        var slots = _group.Slots;
        for (int i = 0; i < values.Length; i++)
        {
            T acc = ((T[])slots[0]!)[i];
            for (int r = 1; r < Size; r++)
            {
                T v = ((T[])slots[r]!)[i];
                acc = op switch { ReduceOp.Sum => acc + v, ReduceOp.Min => T.Min(acc, v), _ => T.Max(acc, v) };
            }
            values[i] = acc;
        }
        _group.Meet();
    }

    private void Bcast<T>(Span<T> values, int root)
    {
        if (Rank == root) _group.Slots[root] = values.ToArray();
        _group.Meet();
        var src = (T[])_group.Slots[root]!;
        if (src.Length != values.Length) throw new InvalidOperationException($"broadcast lengths differ: {src.Length} vs {values.Length}");
        src.CopyTo(values);
        _group.Meet();
    }

    private sealed class Group(int size)
    {
        private readonly Barrier _barrier = new(size);
        private volatile bool _failed;
        public int Size { get; } = size;
        public object?[] Slots { get; } = new object?[size];

        public void Meet()
        {
            while (!_barrier.SignalAndWait(100))
                if (_failed) throw new BrokenGroupException();
            // SignalAndWait returned true: the phase completed. A failed peer may still be gone for the next one.
        }

        public void Fail()
        {
            _failed = true;
        }
    }

    private sealed class BrokenGroupException() : Exception("another rank failed");
}
