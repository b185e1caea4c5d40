// MpiCommunicator: ICommunicator over MPI_COMM_WORLD of Open MPI (through MpiNative). One per process: MPI can be
// initialized once, so Initialize returns the same instance until Dispose finalizes MPI. LaunchedWorldSize reads
// the launcher's environment, so `sprout train` knows it runs under mpirun before touching MPI at all.
namespace Sprout.Training.Distributed;

/// <summary>The MPI world communicator (Open MPI).</summary>
public sealed unsafe class MpiCommunicator : ICommunicator, IDisposable
{
    private static MpiCommunicator? _instance;

    private MpiCommunicator(int rank, int size)
    {
        Rank = rank;
        Size = size;
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <summary>
    /// The number of ranks mpirun started (Open MPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE), or 1 when this process was
    /// not started by an MPI launcher.
    /// </summary>
    public static int LaunchedWorldSize
    {
        get
        {
            foreach (string name in (string[])["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"])
                if (int.TryParse(Environment.GetEnvironmentVariable(name), out int n) && n > 0) return n;
            return 1;
        }
    }

    /// <summary>Initializes MPI (once per process) and returns the world communicator.</summary>
    /// <exception cref="InvalidOperationException">Open MPI is not installed, or MPI was already finalized.</exception>
    public static MpiCommunicator Initialize()
    {
        if (_instance is not null) return _instance;
        if (MpiNative.TryLoad() is string error) throw new InvalidOperationException(error);
        int flag;
        MpiNative.Check(MpiNative.Finalized(&flag), "MPI_Finalized");
        if (flag != 0) throw new InvalidOperationException("MPI was already finalized in this process; it cannot be initialized again.");
        MpiNative.Check(MpiNative.Initialized(&flag), "MPI_Initialized");
        if (flag == 0) MpiNative.Check(MpiNative.Init(null, 0), "MPI_Init");
        int rank, size;
        MpiNative.Check(MpiNative.CommRank(MpiNative.CommWorld, &rank), "MPI_Comm_rank");
        MpiNative.Check(MpiNative.CommSize(MpiNative.CommWorld, &size), "MPI_Comm_size");
        return _instance = new MpiCommunicator(rank, size);
    }

    /// <inheritdoc/>
    public void AllReduce(Span<float> values, ReduceOp op = ReduceOp.Sum)
    {
        fixed (float* p = values) Reduce(p, values.Length, MpiNative.Float, op);
    }

    /// <inheritdoc/>
    public void AllReduce(Span<double> values, ReduceOp op = ReduceOp.Sum)
    {
        fixed (double* p = values) Reduce(p, values.Length, MpiNative.Double, op);
    }

    /// <inheritdoc/>
    public void AllReduce(Span<long> values, ReduceOp op = ReduceOp.Sum)
    {
        fixed (long* p = values) Reduce(p, values.Length, MpiNative.Int64, op);
    }

    /// <inheritdoc/>
    public void AllGather(ReadOnlySpan<float> send, Span<float> receive)
    {
        if (receive.Length != (long)send.Length * Size)
            throw new ArgumentException($"AllGather needs a receive buffer of {Size} × {send.Length} elements, got {receive.Length}.", nameof(receive));
        fixed (float* s = send)
        fixed (float* r = receive)
            MpiNative.Check(MpiNative.Allgather(s, send.Length, MpiNative.Float, r, send.Length, MpiNative.Float, MpiNative.CommWorld), "MPI_Allgather");
    }

    /// <inheritdoc/>
    public void Broadcast(Span<float> values, int root = 0)
    {
        CheckRoot(root);
        fixed (float* p = values) MpiNative.Check(MpiNative.Bcast(p, values.Length, MpiNative.Float, root, MpiNative.CommWorld), "MPI_Bcast");
    }

    /// <inheritdoc/>
    public void Broadcast(Span<byte> values, int root = 0)
    {
        CheckRoot(root);
        fixed (byte* p = values) MpiNative.Check(MpiNative.Bcast(p, values.Length, MpiNative.Byte, root, MpiNative.CommWorld), "MPI_Bcast");
    }

    /// <inheritdoc/>
    public void Barrier() => MpiNative.Check(MpiNative.Barrier(MpiNative.CommWorld), "MPI_Barrier");

    /// <summary>
    /// Ends every rank of the job with <paramref name="exitCode"/> (MPI_Abort): what a rank must do when it fails
    /// alone, since the others would otherwise wait in their next collective forever. Does not return.
    /// </summary>
    public void Abort(int exitCode)
    {
        MpiNative.Abort(MpiNative.CommWorld, exitCode);
        Environment.Exit(exitCode); // MPI_Abort should not return; if it does, still end this rank
    }

    /// <summary>Finalizes MPI; no MPI call may follow in this process.</summary>
    public void Dispose()
    {
        if (!ReferenceEquals(_instance, this)) return;
        int flag;
        MpiNative.Check(MpiNative.Finalized(&flag), "MPI_Finalized");
        if (flag == 0) MpiNative.Check(MpiNative.Finalize(), "MPI_Finalize");
        _instance = null; // a later Initialize reports that MPI cannot start again
    }

    private static void Reduce(void* buffer, int count, nint type, ReduceOp op)
    {
        if (count == 0) return; // every rank skips alike: lengths agree by contract
        nint handle = op switch { ReduceOp.Sum => MpiNative.OpSum, ReduceOp.Min => MpiNative.OpMin, _ => MpiNative.OpMax };
        MpiNative.Check(MpiNative.Allreduce(MpiNative.InPlace, buffer, count, type, handle, MpiNative.CommWorld), "MPI_Allreduce");
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank in [0, {Size}).");
    }
}
