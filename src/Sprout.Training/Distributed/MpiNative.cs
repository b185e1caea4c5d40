// MpiNative: the thin P/Invoke layer over Open MPI's C API that Sprout needs (init/finalize, rank/size,
// allreduce, allgather, broadcast, barrier, abort) and nothing more. Why not MPI.NET: its NuGet package (1.4.0) binds
// MS-MPI's msmpi.dll with MS-MPI's integer handles; on Linux it fails to load (see docs/distributed.md). Open
// MPI's handles are addresses of global objects (MPI_COMM_WORLD is &ompi_mpi_comm_world), so they are read from
// the library's exports here. libmpi is opened with RTLD_GLOBAL because Open MPI's dlopen'ed components resolve
// symbols against it. Every call checks the return code; MPI's default handler aborts first on real errors.
using System.Runtime.InteropServices;

namespace Sprout.Training.Distributed;

/// <summary>Raw Open MPI entry points and handles, resolved once from libmpi.</summary>
internal static unsafe class MpiNative
{
    private const int RtldNow = 2, RtldGlobal = 0x100;
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];

    private static nint _library;
    internal static nint CommWorld, Float, Double, Int64, Byte, OpSum, OpMin, OpMax;
    internal static readonly nint InPlace = 1; // Open MPI's MPI_IN_PLACE is ((void*)1)

    internal static delegate* unmanaged<int*, nint, int> Init;
    internal static delegate* unmanaged<int*, int> Initialized;
    internal static delegate* unmanaged<int> Finalize;
    internal static delegate* unmanaged<int*, int> Finalized;
    internal static delegate* unmanaged<nint, int*, int> CommRank;
    internal static delegate* unmanaged<nint, int*, int> CommSize;
    internal static delegate* unmanaged<nint, void*, int, nint, nint, nint, int> Allreduce;
    internal static delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> Allgather;
    internal static delegate* unmanaged<void*, int, nint, int, nint, int> Bcast;
    internal static delegate* unmanaged<nint, int> Barrier;
    internal static delegate* unmanaged<nint, int, int> Abort;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint DlOpen(string file, int mode);

    /// <summary>True once libmpi is loaded and every symbol resolved.</summary>
    internal static bool IsLoaded => _library != 0;

    /// <summary>Loads libmpi and resolves the handles and functions; returns an error message, or null on success.</summary>
    internal static string? TryLoad()
    {
        if (_library != 0) return null;
        nint lib = 0;
        foreach (string name in LibraryNames)
        {
            try { lib = DlOpen(name, RtldNow | RtldGlobal); }
            catch (DllNotFoundException) { return "libc's dlopen is unavailable (Sprout's MPI layer needs Linux and Open MPI)."; }
            if (lib != 0) break;
        }
        if (lib == 0) return "Open MPI's libmpi.so.40 was not found: install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev).";
        try
        {
            CommWorld = NativeLibrary.GetExport(lib, "ompi_mpi_comm_world");
            Float = NativeLibrary.GetExport(lib, "ompi_mpi_float");
            Double = NativeLibrary.GetExport(lib, "ompi_mpi_double");
            Int64 = NativeLibrary.GetExport(lib, "ompi_mpi_int64_t");
            Byte = NativeLibrary.GetExport(lib, "ompi_mpi_byte");
            OpSum = NativeLibrary.GetExport(lib, "ompi_mpi_op_sum");
            OpMin = NativeLibrary.GetExport(lib, "ompi_mpi_op_min");
            OpMax = NativeLibrary.GetExport(lib, "ompi_mpi_op_max");
            Init = (delegate* unmanaged<int*, nint, int>)NativeLibrary.GetExport(lib, "MPI_Init");
            Initialized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(lib, "MPI_Initialized");
            Finalize = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "MPI_Finalize");
            Finalized = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(lib, "MPI_Finalized");
            CommRank = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(lib, "MPI_Comm_rank");
            CommSize = (delegate* unmanaged<nint, int*, int>)NativeLibrary.GetExport(lib, "MPI_Comm_size");
            Allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)NativeLibrary.GetExport(lib, "MPI_Allreduce");
            Allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)NativeLibrary.GetExport(lib, "MPI_Allgather");
            Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)NativeLibrary.GetExport(lib, "MPI_Bcast");
            Barrier = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(lib, "MPI_Barrier");
            Abort = (delegate* unmanaged<nint, int, int>)NativeLibrary.GetExport(lib, "MPI_Abort");
        }
        catch (EntryPointNotFoundException e)
        {
            return $"{LibraryNames[0]} is not Open MPI (missing {e.Message}); Sprout's MPI layer supports Open MPI 4 and 5.";
        }
        _library = lib;
        return null;
    }

    /// <summary>Throws when an MPI call returned an error code (MPI_SUCCESS is 0).</summary>
    internal static void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }
}
