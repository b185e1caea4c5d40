// BenchMpiCommand: `mpirun -np N sprout bench mpi`: checks every MPI collective Sprout uses (MpiSelfCheck), then
// times all-reduces of several sizes (AllReduceBenchmark) and fits latency + bytes / bandwidth, the inputs of
// docs/distributed.md's communication-cost model. Rank 0 prints; a failed check on any rank exits 1.
using System.CommandLine;
using System.Globalization;
using Sprout.Training.Distributed;

namespace Sprout.Cli.Commands;

/// <summary>Builds `bench mpi`.</summary>
public static class BenchMpiCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var floats = new Option<string>("--floats") { Description = "Buffer sizes in floats", HelpName = "N,N,...", DefaultValueFactory = _ => "256,4096,16384,65536,262144,1048576" };
        var rounds = new Option<int>("--rounds") { Description = "Timed reductions per size", HelpName = "R", DefaultValueFactory = _ => 50 };
        var busy = new Option<double>("--busy-us") { Description = "Microseconds of arithmetic before each reduction (a training step's shape)", HelpName = "US", DefaultValueFactory = _ => 0 };
        var deterministic = new Option<bool>("--deterministic") { Description = "Time the rank-order (gather) reduction instead of MPI_Allreduce" };
        var mpi = new Command("mpi", "Under mpirun: check every MPI collective, then time all-reduces per buffer size") { floats, rounds, busy, deterministic };
        mpi.SetAction(parse =>
        {
            int[] sizes = CommaList.PositiveInts(parse.GetValue(floats)!, "--floats", "1024,65536");
            int r = parse.GetValue(rounds);
            double us = parse.GetValue(busy);
            if (r < 1) throw new UsageException($"--rounds must be ≥ 1, got {r}.");
            if (!(us >= 0)) throw new UsageException($"--busy-us must be ≥ 0, got {us}.");
            if (MpiCommunicator.LaunchedWorldSize <= 1)
                context.Error.WriteLine("note: not started by mpirun; checking a world of one rank (run: mpirun -np 2 sprout bench mpi)");
            MpiCommunicator comm;
            try { comm = MpiCommunicator.Initialize(); }
            catch (InvalidOperationException e) { throw new UsageException($"MPI could not start: {e.Message}", e); }
            using (comm)
            {
                var failures = MpiSelfCheck.Run(comm);
                long[] failed = [failures.Count];
                comm.AllReduce(failed);
                foreach (string f in failures) context.Error.WriteLine("error: " + f);
                if (failed[0] > 0) return ExitCodes.Failure;
                var points = AllReduceBenchmark.Run(comm, sizes, r, parse.GetValue(deterministic), us);
                if (comm.Rank != 0) return ExitCodes.Ok;
                var ci = CultureInfo.InvariantCulture;
                context.Output.WriteLine($"{comm.Size} ranks: every collective correct (float/double/int64 sum, min, max; allgather; float and byte broadcast; barrier; rank-order sum)");
                foreach (var p in points)
                    context.Output.WriteLine(string.Create(ci, $"{p.Bytes,10} B  median {p.MedianMicroseconds,9:0.0} us  min {p.MinMicroseconds,9:0.0} us  mean {p.MeanMicroseconds,9:0.0} us  p90 {p.P90Microseconds,9:0.0} us"));
                if (points.Select(p => p.Bytes).Distinct().Count() >= 2)
                {
                    var (latency, bandwidth) = AllReduceBenchmark.Fit(points);
                    context.Output.WriteLine(string.Create(ci, $"fit: {latency:0.0} us + bytes / {bandwidth / 1000:0.00} GB/s"));
                }
                return ExitCodes.Ok;
            }
        });
        return mpi;
    }
}
