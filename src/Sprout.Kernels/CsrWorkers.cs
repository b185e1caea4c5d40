// How the CSR kernels run in parallel: each kernel describes its work as a job of `parts` shares (row ranges
// balanced by nnz, see Csr.SplitPoint) and hands the shares to the shared Parallelism pool, which claims them
// dynamically over its threads. This file is the only place the CSR kernels touch threading.
// Deliberately no scheduling of its own: one pool for all kernels, so CSR and GEMM never compete with two
// sets of spinning threads for the same two cores.
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

    internal static class Workers
    {
        /// <summary>Threads that take part in a job, the caller included.</summary>
        internal static int Threads => Parallelism.Threads;

        /// <summary>Runs <c>job.Execute(i, parts)</c> for every i in [0, parts) on the shared pool; returns when all finished.</summary>
        public static void Run<TJob>(ref TJob job, int parts) where TJob : unmanaged, IJob
        {
            if (parts <= 1)
            {
                if (parts == 1) job.Execute(0, 1);
                return;
            }
            Parallelism.For(parts, new Shares<TJob>(job, parts));
        }

        private readonly struct Shares<TJob>(TJob job, int parts) : IParallelJob where TJob : unmanaged, IJob
        {
            public void Execute(int index) => job.Execute(index, parts);
        }
    }
}
