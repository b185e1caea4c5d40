// MpiSelfCheck: runs every collective Sprout uses once with values whose result each rank can predict (sums, minima
// and maxima of rank-dependent numbers, rank-ordered gathers, broadcasts from the last rank, a barrier) and lists
// what came back wrong. `sprout bench mpi` runs it before timing anything, so a broken MPI installation or binding
// is reported as such instead of as odd training results; the tests run it on real mpirun and on thread ranks.
namespace Sprout.Training.Distributed;

/// <summary>Checks every collective of an <see cref="ICommunicator"/> against known answers.</summary>
public static class MpiSelfCheck
{
    /// <summary>Runs the checks (every rank must call it); returns the failures seen on this rank (empty: all correct).</summary>
    public static IReadOnlyList<string> Run(ICommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        int r = communicator.Rank, n = communicator.Size;
        var failures = new List<string>();
        void Expect(string what, bool ok) { if (!ok) failures.Add($"rank {r}: {what}"); }

        float[] f = [r + 1, 0.5f * r, -r];
        communicator.AllReduce(f);
        Expect("float sum", f[0] == n * (n + 1) / 2f && f[1] == 0.25f * n * (n - 1) && f[2] == -n * (n - 1) / 2f);
        float[] fmax = [r, -r];
        communicator.AllReduce(fmax, ReduceOp.Max);
        Expect("float max", fmax[0] == n - 1 && fmax[1] == 0);

        double[] d = [r + 0.125, 1e-300 * (r + 1)];
        communicator.AllReduce(d);
        Expect("double sum", d[0] == n * (n - 1) / 2.0 + 0.125 * n && Math.Abs(d[1] - 1e-300 * n * (n + 1) / 2) <= 1e-312);
        double[] dmin = [r + 2.5];
        communicator.AllReduce(dmin, ReduceOp.Min);
        Expect("double min", dmin[0] == 2.5);

        long big = 1L << 40;
        long[] l = [big + r, -r];
        communicator.AllReduce(l);
        Expect("int64 sum", l[0] == big * n + (long)n * (n - 1) / 2 && l[1] == -(long)n * (n - 1) / 2);
        long[] lmin = [big - r, r];
        communicator.AllReduce(lmin, ReduceOp.Min);
        Expect("int64 min", lmin[0] == big - (n - 1) && lmin[1] == 0);

        var gathered = new float[2 * n];
        communicator.AllGather([r, 10 * r], gathered);
        bool gatherOk = true;
        for (int q = 0; q < n; q++) gatherOk &= gathered[2 * q] == q && gathered[2 * q + 1] == 10 * q;
        Expect("allgather (rank order)", gatherOk);

        int root = n - 1;
        float[] bf = [r == root ? 3.25f : float.NaN, r];
        communicator.Broadcast(bf, root);
        Expect("float broadcast", bf[0] == 3.25f && bf[1] == root);
        byte[] bb = [(byte)(r == root ? 0xA5 : 0), (byte)r];
        communicator.Broadcast(bb, root);
        Expect("byte broadcast", bb[0] == 0xA5 && bb[1] == (byte)root);

        communicator.Barrier();
        var reducer = new SumReducer(communicator, deterministic: true);
        float[] det = [1e8f * (r % 2 == 0 ? 1 : -1), 1f];
        reducer.Sum(det);
        float expected = 0;
        for (int q = 0; q < n; q++) expected += 1e8f * (q % 2 == 0 ? 1 : -1);
        Expect("deterministic sum", det[0] == expected && det[1] == n);
        return failures;
    }
}
