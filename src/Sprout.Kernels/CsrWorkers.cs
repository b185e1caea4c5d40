// The CSR kernels' own parallel runner: persistent helper threads that split a job into parts and claim them
// dynamically, with no allocation per call (no delegates, closures or Task objects). It exists because the
// shared worker pool of Sprout.Kernels is being written concurrently; when it lands, only this file changes.
// Deliberately simple: one job at a time. A call made while a job runs (another thread, or a nested call)
// runs its parts inline on the calling thread, which is correct, only slower.
using System.Runtime.ExceptionServices;

namespace Sprout.Kernels;

public static partial class Csr
{
    /// <summary>
    /// A unit of parallel work: <c>Execute(part, parts)</c> must do exactly the share <c>part</c> of <c>parts</c>,
    /// write only data no other part writes, and must not throw on validated input.
    /// </summary>
    internal interface IJob
    {
        void Execute(int part, int parts);
    }

    internal static unsafe class Workers
    {
        /// <summary>Threads that take part in a job, the caller included.</summary>
        internal static readonly int Threads = Math.Max(1, Environment.ProcessorCount);

        private static readonly object StartLock = new();
        private static readonly object DoneLock = new();
        private static SemaphoreSlim? _wake;
        private static int _busy;

        // The published job. _state packs generation (bits 32..63), part count (16..31) and next unclaimed part
        // (0..15) so that one compare-exchange both claims a part and proves the claim belongs to the current job:
        // a helper that wakes late, after that job finished, sees next >= parts and touches nothing.
        private static long _state;
        private static delegate*<void*, int, int, void> _invoke;
        private static void* _job;
        private static int _pending;
        private static Exception? _error;

        /// <summary>
        /// Runs <c>job.Execute(i, parts)</c> for every i in [0, parts), in parallel when helpers are free.
        /// Returns after every part finished. Parts are claimed dynamically, so more parts than threads
        /// keeps the cores busy when one of them is shared with other processes.
        /// </summary>
        public static void Run<TJob>(ref TJob job, int parts) where TJob : unmanaged, IJob
        {
            if (parts > 0xFFFF) throw new ArgumentOutOfRangeException(nameof(parts), parts, "At most 65535 parts.");
            if (parts <= 1 || Threads <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                for (int i = 0; i < parts; i++) job.Execute(i, parts);
                return;
            }
            try
            {
                EnsureStarted();
                TJob local = job; // lives in this frame, which outlives every part
                _invoke = &Invoke<TJob>;
                _job = &local;
                _error = null;
                _pending = parts;
                long generation = (Volatile.Read(ref _state) >> 32) + 1;
                Volatile.Write(ref _state, (generation << 32) | ((long)parts << 16));
                _wake!.Release(Math.Min(Threads - 1, parts - 1));
                ClaimAndRun();
                WaitForPending();
                if (_error is { } e) ExceptionDispatchInfo.Capture(e).Throw();
            }
            finally
            {
                _job = null;
                Volatile.Write(ref _busy, 0);
            }
        }

        private static void Invoke<TJob>(void* job, int part, int parts) where TJob : unmanaged, IJob
            => ((TJob*)job)->Execute(part, parts);

        private static void ClaimAndRun()
        {
            while (true)
            {
                long s = Volatile.Read(ref _state);
                int next = (int)(s & 0xFFFF), parts = (int)((s >> 16) & 0xFFFF);
                if (next >= parts) return;
                if (Interlocked.CompareExchange(ref _state, s + 1, s) != s) continue;
                // The job cannot finish (and its fields cannot change) until this part decrements _pending.
                try
                {
                    _invoke(_job, next, parts);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }
                if (Interlocked.Decrement(ref _pending) == 0)
                    lock (DoneLock) Monitor.PulseAll(DoneLock);
            }
        }

        // Monitor rather than ManualResetEventSlim: the latter allocates its lock object the first time it blocks,
        // which would break the kernels' zero-allocation contract once. Spins first, since parts are short.
        private static void WaitForPending()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) != 0 && !spin.NextSpinWillYield) spin.SpinOnce(-1);
            if (Volatile.Read(ref _pending) == 0) return;
            lock (DoneLock)
            {
                // The pulse is sent under the lock after the decrement, so it cannot fall between check and wait;
                // a pulse left over from an earlier job only causes one more check.
                while (Volatile.Read(ref _pending) != 0) Monitor.Wait(DoneLock);
            }
        }

        private static void EnsureStarted()
        {
            if (_wake is not null) return;
            lock (StartLock)
            {
                if (_wake is not null) return;
                var wake = new SemaphoreSlim(0);
                for (int i = 1; i < Threads; i++)
                {
                    var t = new Thread(() => HelperLoop(wake)) { IsBackground = true, Name = $"Sprout.Csr worker {i}" };
                    t.Start();
                }
                _wake = wake;
            }
        }

        private static void HelperLoop(SemaphoreSlim wake)
        {
            while (true)
            {
                wake.Wait();
                ClaimAndRun();
            }
        }
    }
}
