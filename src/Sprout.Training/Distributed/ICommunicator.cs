// ICommunicator: the few collectives data-parallel training needs, so the training code does not know whether
// ranks are MPI processes (MpiCommunicator) or threads of one test process. Every rank must make the same calls
// in the same order with the same lengths; a rank that skips one blocks the others, as in MPI.
namespace Sprout.Training.Distributed;

/// <summary>A group of ranks that exchange data collectively (the MPI model).</summary>
public interface ICommunicator
{
    /// <summary>This rank, 0 ≤ Rank &lt; Size.</summary>
    int Rank { get; }

    /// <summary>Number of ranks.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank by their element-wise reduction over all ranks.</summary>
    void AllReduce(Span<float> values, ReduceOp op = ReduceOp.Sum);

    /// <inheritdoc cref="AllReduce(Span{float}, ReduceOp)"/>
    void AllReduce(Span<double> values, ReduceOp op = ReduceOp.Sum);

    /// <inheritdoc cref="AllReduce(Span{float}, ReduceOp)"/>
    void AllReduce(Span<long> values, ReduceOp op = ReduceOp.Sum);

    /// <summary>
    /// Every rank's <paramref name="send"/> into <paramref name="receive"/> [Size × send.Length], rank 0's block first.
    /// </summary>
    void AllGather(ReadOnlySpan<float> send, Span<float> receive);

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> to every other rank.</summary>
    void Broadcast(Span<float> values, int root = 0);

    /// <inheritdoc cref="Broadcast(Span{float}, int)"/>
    void Broadcast(Span<byte> values, int root = 0);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();
}
