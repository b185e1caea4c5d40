// Parallelism: a tiny fork-join pool for the kernels. Persistent worker threads, dynamic hand-out of
// indices through one atomic counter, the caller participates, and a dispatch allocates nothing.
// It is not a general task scheduler: one dispatch runs at a time; a nested or concurrent call runs
// inline on its own thread. Results never depend on which thread ran an index, so callers that give
// every output element to exactly one index (with a fixed reduction order inside it) are deterministic
// for any thread count.
using System.Runtime.ExceptionServices;

namespace Sprout.Kernels;

/// <summary>A unit of parallel work: <see cref="Execute"/> is called once for every index in [0, count).</summary>
/// <remarks>
/// Implement it as a small struct holding raw pointers and sizes (the caller keeps its buffers pinned for the
/// duration of <see cref="Parallelism.For{TJob}"/>). Execute may run on any thread, concurrently with other indices.
/// </remarks>
public interface IParallelJob
{
    /// <summary>Runs one index of the job.</summary>
    void Execute(int index);
}

/// <summary>Fork-join dispatch over persistent worker threads (no per-call allocation).</summary>
public static unsafe class Parallelism
{
    // _joined counts workers inside the current dispatch; Closed marks "no dispatch open".
    private const int Closed = int.MinValue;
    private const int MaxThreads = 256;
    // Workers keep polling this long after a dispatch before blocking, so back-to-back dispatches (GEMM issues
    // two per K block, a training step dozens) do not pay an OS wake-up each; short because cores are shared.
    private static readonly long SpinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;   // 200 µs

    private static readonly Lock GrowLock = new();
    private static Worker[] _workers = [];
    private static int _threads = Math.Clamp(Environment.ProcessorCount, 1, MaxThreads);
    private static int _busy;
    private static int _generation;
    private static int _joined = Closed;
    private static delegate*<void> _run;
    private static ExceptionDispatchInfo? _error;

    /// <summary>
    /// Number of threads a dispatch may use, the caller included (default: <see cref="Environment.ProcessorCount"/>).
    /// Set it once at start-up (e.g. from a --threads option); 1 makes every dispatch run inline.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above 256.</exception>
    public static int Threads
    {
        get => Volatile.Read(ref _threads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
            Volatile.Write(ref _threads, value);
        }
    }

    /// <summary>
    /// First index of share <paramref name="part"/> when [0, <paramref name="count"/>) is cut into <paramref name="parts"/>
    /// contiguous shares whose sizes differ by at most one; share p is [ShareStart(count, p, parts), ShareStart(count, p + 1, parts)).
    /// </summary>
    public static int ShareStart(int count, int part, int parts) => (int)((long)count * part / parts);

    /// <summary>
    /// Calls <c>job.Execute(i)</c> for every i in [0, <paramref name="count"/>), spread over up to
    /// <see cref="Threads"/> threads including the caller, and returns when all have finished.
    /// Runs inline when count ≤ 1, Threads = 1, or another dispatch is in progress (nested/concurrent use).
    /// </summary>
    /// <remarks>An exception thrown by any index is rethrown here after all running indices have finished.</remarks>
    public static void For<TJob>(int count, in TJob job) where TJob : struct, IParallelJob
    {
        int threads = Threads;
        if (count <= 0) return;
        if (count == 1 || threads == 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) job.Execute(i);
            return;
        }

        ExceptionDispatchInfo? error;
        try
        {
            EnsureWorkers(threads - 1);
            Slot<TJob>.Job = job;
            Slot<TJob>.Count = count;
            Slot<TJob>.Next = 0;
            _run = &Slot<TJob>.Run;
            _error = null;
            Interlocked.Exchange(ref _joined, 0);     // open: publishes the job to workers that join
            Interlocked.Increment(ref _generation);
            var workers = _workers;
            int wake = Math.Min(threads - 1, count - 1);
            for (int w = 0; w < wake; w++) workers[w].Wake();

            RunCaught(&Slot<TJob>.Run);

            // Close only once no worker is inside; a worker that wakes later sees Closed and goes back to sleep.
            var spin = new SpinWait();
            while (Interlocked.CompareExchange(ref _joined, Closed, 0) != 0) spin.SpinOnce(sleep1Threshold: -1);
            Slot<TJob>.Job = default;               // drop references the job may hold
            error = _error;
            _error = null;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
        error?.Throw();
    }

    private static void RunCaught(delegate*<void> run)
    {
        try { run(); }
        catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
    }

    private static void EnsureWorkers(int needed)
    {
        if (_workers.Length >= needed) return;
        lock (GrowLock)
        {
            if (_workers.Length >= needed) return;
            var grown = new Worker[needed];
            Array.Copy(_workers, grown, _workers.Length);
            for (int i = _workers.Length; i < needed; i++) grown[i] = new Worker(i + 1);
            _workers = grown;
        }
    }

    /// <summary>Per job type static storage, so the job is handed to workers without boxing.</summary>
    private static class Slot<TJob> where TJob : struct, IParallelJob
    {
        public static TJob Job;
        public static int Count;
        public static int Next;

        public static void Run()
        {
            int i;
            while ((i = Interlocked.Increment(ref Next) - 1) < Count) Job.Execute(i);
        }
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _signal = new(0);
        private int _sleeping;

        public Worker(int id)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Sprout worker {id}" };
            thread.Start();
        }

        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _signal.Release();
        }

        private void Loop()
        {
            int seen = Volatile.Read(ref _generation);
            while (true)
            {
                // Spin briefly, then block; the flag/generation re-check after raising the flag avoids lost wake-ups.
                var spin = new SpinWait();
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref _generation) == seen && System.Diagnostics.Stopwatch.GetTimestamp() < until)
                    spin.SpinOnce(sleep1Threshold: -1);
                if (Volatile.Read(ref _generation) == seen)
                {
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _generation) == seen) _signal.Wait();
                    else Interlocked.Exchange(ref _sleeping, 0);   // a stale Release, if any, just causes one spurious pass
                }
                seen = Volatile.Read(ref _generation);
                if (TryJoin())
                {
                    RunCaught(_run);
                    Interlocked.Decrement(ref _joined);
                }
            }
        }

        private static bool TryJoin()
        {
            int j = Volatile.Read(ref _joined);
            while (j >= 0)
            {
                int seen = Interlocked.CompareExchange(ref _joined, j + 1, j);
                if (seen == j) return true;
                j = seen;
            }
            return false;
        }
    }
}
