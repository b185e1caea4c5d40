// DistributedRun: what `sprout train` does differently when mpirun started it with more than one rank. It
// initializes MPI and a DataParallel, gives each rank a default thread count that does not oversubscribe the node,
// runs the non-root ranks without any output or run folder (only rank 0 writes logs, metrics, checkpoints and the
// summary), and ends the job consistently: MPI is finalized after a normal end or a NaN stop (every rank stops at
// the same step), and a rank that fails alone (an error, Ctrl+C) aborts all ranks, since the others would wait in
// their next collective forever.
using Sprout.Cli.Config;
using Sprout.Training;
using Sprout.Training.Distributed;

namespace Sprout.Cli.Commands;

/// <summary>The MPI side of one `sprout train` process.</summary>
internal sealed class DistributedRun : IDisposable
{
    private readonly MpiCommunicator _mpi;
    private bool _finished;

    private DistributedRun(MpiCommunicator mpi, TrainSettings s)
    {
        _mpi = mpi;
        DataParallel = new DataParallel(mpi, new DataParallelOptions { DeterministicReduction = s.DeterministicReduce });
    }

    /// <summary>The trainer callback that synchronizes this rank.</summary>
    public DataParallel DataParallel { get; }

    /// <summary>Rank 0 writes; the others only compute.</summary>
    public bool IsRoot => _mpi.Rank == 0;

    /// <summary>Starts MPI when this process is one of several ranks started by mpirun; null otherwise.</summary>
    /// <exception cref="UsageException">Open MPI cannot be loaded.</exception>
    public static DistributedRun? Start(TrainSettings s)
    {
        if (MpiCommunicator.LaunchedWorldSize <= 1) return null;
        MpiCommunicator mpi;
        try { mpi = MpiCommunicator.Initialize(); }
        catch (InvalidOperationException e) { throw new UsageException($"mpirun started {MpiCommunicator.LaunchedWorldSize} ranks, but MPI could not start: {e.Message}", e); }
        return new DistributedRun(mpi, s);
    }

    /// <summary>
    /// Compute threads per rank: --threads when given, else the cores divided among the ranks on this node
    /// (OMPI_COMM_WORLD_LOCAL_SIZE), so that N ranks on one machine do not fight over its cores.
    /// </summary>
    public static int ThreadsPerRank(int requested)
    {
        if (requested > 0 || MpiCommunicator.LaunchedWorldSize <= 1) return requested;
        int local = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int n) && n > 0 ? n : 1;
        return Math.Max(1, Environment.ProcessorCount / local);
    }

    /// <summary>Trains on a non-root rank: the same loop, no display, no files. Returns the exit code.</summary>
    public int RunWorker(Trainer trainer, IBatchSource train, IBatchSource test, IBatchSource? validation, int lastEpoch, CancellationToken cancellation)
    {
        try
        {
            trainer.Fit(train, test, lastEpoch, validation, cancellation);
            return ExitCodes.Ok;
        }
        catch (NonFiniteLossException)
        {
            return ExitCodes.NonFiniteLoss; // rank 0 saw the same loss at the same step and reports it
        }
    }

    /// <summary>Ends MPI for an exit code: finalize when every rank ends alike (done, NaN), abort the job otherwise.</summary>
    public void Finish(int exitCode)
    {
        _finished = true;
        if (exitCode is ExitCodes.Ok or ExitCodes.NonFiniteLoss) _mpi.Dispose();
        else _mpi.Abort(exitCode);
    }

    /// <summary>Aborts every rank after this rank failed (prints the reason first, since the abort ends the process).</summary>
    public void Fail(Exception e, TextWriter error)
    {
        _finished = true;
        error.WriteLine($"error (rank {_mpi.Rank} of {_mpi.Size}): {e.Message}");
        error.Flush();
        Thread.Sleep(500); // mpirun forwards output asynchronously; an immediate abort can lose the message
        _mpi.Abort(e is UsageException ? ExitCodes.Usage : e is OperationCanceledException ? ExitCodes.Cancelled : ExitCodes.Failure);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_finished) _mpi.Abort(ExitCodes.Failure);
    }
}
