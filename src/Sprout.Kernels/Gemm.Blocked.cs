// GEMM driver, Goto/BLIS style with two fork-joins per call: first op(A) and op(B) are packed whole (every
// KC slice, as zero-padded micro-panels) into per-caller buffers, then tasks run register-tiled micro-kernels
// over 2-d tiles of C, each walking the KC slices in order. Two dispatches (not two per KC slice) keep a
// preempted thread on this shared machine from stalling many barriers. Every C element belongs to one tile
// and sums its slices in a fixed order, so results do not depend on the thread count. Buffers are grown on
// demand and reused, so steady-state calls allocate nothing. Not here: micro-kernels and packing loops.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

public static partial class Gemm
{
    // KC: a 32-wide B micro-panel of KC floats is 32 KB, in L1 while A micro-panels stream past it.
    // McMax: a tile's A block (128 rows × KC, 128 KB) stays in L2 while the tile walks its B panels.
    private const int KcMax = 256, McMax = 128;

    // Largest packed operand chunk in floats (16 MB); larger A or B is processed in row / column chunks.
    private const int PackBudget = 1 << 22;

    // Below this many multiply-adds a fork-join costs more than it saves.
    private const long ParallelThreshold = 96 * 96 * 96;

    private static readonly Variant Selected = Variant.Create();

    /// <summary>Blocked product on raw pointers; sizes already validated, m, n &gt; 0.</summary>
    private static unsafe void Blocked(Variant v, float* a, float* b, float* c, int m, int n, int k, bool transA, bool transB, bool accumulate,
        bool allowParallel)
    {
        if (k == 0)
        {
            if (!accumulate) new Span<float>(c, checked(m * n)).Clear();
            return;
        }
        int threads = Parallelism.Threads;
        bool parallel = allowParallel && threads > 1 && (long)m * n * k >= ParallelThreshold;

        int kBlocks = Ceil(k, KcMax);
        int kcStep = Ceil(k, kBlocks);     // balanced slices: 784 → 4 × 196, not 3 × 256 + 16
        int kPad = kBlocks * kcStep;       // per-lane floats of one panel over all slices (upper bound)
        int ncMax = Math.Max(1, PackBudget / (kPad * v.Nr)) * v.Nr;
        int mbMax = Math.Max(1, PackBudget / (kPad * v.Mr)) * v.Mr;
        int nChunk = Math.Min(n, ncMax), mChunk = Math.Min(m, mbMax);
        var buffers = PackBuffers.ForCurrentThread(Ceil(mChunk, v.Mr) * v.Mr * kPad, Ceil(nChunk, v.Nr) * v.Nr * kPad);

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int ic = 0; ic < m; ic += mbMax)
            {
                int mb = Math.Min(mbMax, m - ic);
                var shape = new PackedShape(v.Mr, v.Nr, k, kcStep, mb, nc);
                var pack = new PackJob(shape, a, b, m, n, transA, transB, ic, jc, packB: ic == 0, buffers.A, buffers.B);
                Run(pack.TaskCount, pack, parallel);

                var tiles = new TileJob(shape, v, buffers.A, buffers.B, c + (nint)ic * n + jc, n, accumulate, parallel ? threads : 1);
                Run(tiles.TaskCount, tiles, parallel);
            }
        }
    }

    private static void Run<TJob>(int count, in TJob job, bool parallel) where TJob : struct, IParallelJob
    {
        if (parallel) Parallelism.For(count, job);
        else for (int i = 0; i < count; i++) job.Execute(i);
    }

    /// <summary>
    /// Layout of one packed chunk: the KC slice starting at depth p0 holds all A panels from offset
    /// p0·PanelsA·Mr, panel i at i·Mr·kc within it (kc × Mr floats, p-major); B likewise with PanelsB and Nr.
    /// </summary>
    private readonly record struct PackedShape(int Mr, int Nr, int K, int KcStep, int Mb, int Nc)
    {
        public int PanelsA => Ceil(Mb, Mr);
        public int PanelsB => Ceil(Nc, Nr);
        public int Kc(int p0) => Math.Min(KcStep, K - p0);
        public nint OffsetA(int p0, int panel) => (nint)p0 * PanelsA * Mr + (nint)panel * Mr * Kc(p0);
        public nint OffsetB(int p0, int panel) => (nint)p0 * PanelsB * Nr + (nint)panel * Nr * Kc(p0);
    }

    /// <summary>Packs the chunk: the first tasks pack groups of B panels (all slices), the rest groups of A panels.</summary>
    private readonly unsafe struct PackJob : IParallelJob
    {
        private const int TargetFloats = 32 * 1024;   // work per task: big enough to amortize the hand-out
        private readonly PackedShape _s;
        private readonly float* _a, _b, _packA, _packB;
        private readonly int _m, _n, _ic, _jc, _groupA, _groupB, _tasksA, _tasksB;
        private readonly bool _transA, _transB;

        public PackJob(PackedShape s, float* a, float* b, int m, int n, bool transA, bool transB, int ic, int jc, bool packB,
            float* packA, float* packB_)
        {
            _a = a; _b = b; _packA = packA; _packB = packB_;
            (_s, _m, _n, _ic, _jc, _transA, _transB) = (s, m, n, ic, jc, transA, transB);
            _groupA = Math.Max(1, TargetFloats / (s.K * s.Mr));
            _groupB = Math.Max(1, TargetFloats / (s.K * s.Nr));
            _tasksA = Ceil(s.PanelsA, _groupA);
            _tasksB = packB ? Ceil(s.PanelsB, _groupB) : 0;
        }

        public int TaskCount => _tasksA + _tasksB;

        public void Execute(int index)
        {
            int k = _s.K;
            if (index < _tasksB)
            {
                int first = index * _groupB, last = Math.Min(first + _groupB, _s.PanelsB);
                for (int panel = first; panel < last; panel++)
                {
                    int j = panel * _s.Nr, width = Math.Min(_s.Nr, _s.Nc - j);
                    for (int p0 = 0; p0 < k; p0 += _s.KcStep)
                    {
                        float* dst = _packB + _s.OffsetB(p0, panel);
                        // op(B)[p, j]: B[p·n + j] when stored k×n, B[j·k + p] when stored n×k.
                        if (_transB) PackTransposed(_b + (nint)(_jc + j) * k + p0, k, width, _s.Kc(p0), dst, _s.Nr);
                        else PackContiguous(_b + (nint)p0 * _n + _jc + j, _n, width, _s.Kc(p0), dst, _s.Nr);
                    }
                }
            }
            else
            {
                int first = (index - _tasksB) * _groupA, last = Math.Min(first + _groupA, _s.PanelsA);
                for (int panel = first; panel < last; panel++)
                {
                    int i = panel * _s.Mr, width = Math.Min(_s.Mr, _s.Mb - i);
                    for (int p0 = 0; p0 < k; p0 += _s.KcStep)
                    {
                        float* dst = _packA + _s.OffsetA(p0, panel);
                        // op(A)[i, p]: A[i·k + p] when stored m×k, A[p·m + i] when stored k×m.
                        if (_transA) PackContiguous(_a + (nint)p0 * _m + _ic + i, _m, width, _s.Kc(p0), dst, _s.Mr);
                        else PackTransposed(_a + (nint)(_ic + i) * k + p0, k, width, _s.Kc(p0), dst, _s.Mr);
                    }
                }
            }
        }
    }

    /// <summary>One 2-d tile of C per task: KC slices in order, B micro-panel outer (it stays in L1), A panels inner.</summary>
    private readonly unsafe struct TileJob : IParallelJob
    {
        private readonly PackedShape _s;
        private readonly delegate*<int, float*, float*, float*, nint, bool, void> _kernel, _half;
        private readonly float* _packA, _packB, _c;
        private readonly int _ldc, _tileRows, _tileCols, _tilesN;
        private readonly bool _accumulate;

        public TileJob(PackedShape s, Variant v, float* packA, float* packB, float* c, int ldc, bool accumulate, int threads)
        {
            _kernel = v.Kernel; _half = v.HalfKernel; _packA = packA; _packB = packB; _c = c;
            (_s, _ldc, _accumulate) = (s, ldc, accumulate);
            int pm = s.PanelsA, pn = s.PanelsB;
            int rowPanels = Math.Min(pm, McMax / s.Mr), colPanels = pn;
            int tilesM = Ceil(pm, rowPanels), tilesN = 1;
            int want = threads > 1 ? 4 * threads : 1;  // a few tiles per thread so a slow core does not stall the rest
            // Shrink the longer side of the tile (in elements) until there are enough tiles, then even them out.
            while (tilesM * tilesN < want && (rowPanels > 1 || colPanels > 1))
            {
                if (rowPanels > 1 && (rowPanels * s.Mr >= colPanels * s.Nr || colPanels == 1)) tilesM = Ceil(pm, --rowPanels);
                else tilesN = Ceil(pn, --colPanels);
            }
            rowPanels = Ceil(pm, tilesM);
            colPanels = Ceil(pn, tilesN);
            tilesM = Ceil(pm, rowPanels);
            tilesN = Ceil(pn, colPanels);
            (_tileRows, _tileCols, _tilesN) = (rowPanels, colPanels, tilesN);
            TaskCount = tilesM * tilesN;
        }

        public int TaskCount { get; }

        [SkipLocalsInit]
        public void Execute(int index)
        {
            int mr = _s.Mr, nr = _s.Nr;
            float* scratch = stackalloc float[Variant.MaxTile];
            int ir0 = index / _tilesN * _tileRows, ir1 = Math.Min(_s.PanelsA, ir0 + _tileRows);
            int jr0 = index % _tilesN * _tileCols, jr1 = Math.Min(_s.PanelsB, jr0 + _tileCols);
            for (int p0 = 0; p0 < _s.K; p0 += _s.KcStep)
            {
                int kc = _s.Kc(p0);
                bool add = _accumulate || p0 > 0;
                for (int jr = jr0; jr < jr1; jr++)
                {
                    float* bp = _packB + _s.OffsetB(p0, jr);
                    int j = jr * nr, cols = Math.Min(nr, _s.Nc - j);
                    for (int ir = ir0; ir < ir1; ir++)
                    {
                        float* ap = _packA + _s.OffsetA(p0, ir);
                        int i = ir * mr, rows = Math.Min(mr, _s.Mb - i);
                        float* ct = _c + (nint)i * _ldc + j;
                        if (rows == mr && cols == nr) _kernel(kc, ap, bp, ct, _ldc, add);
                        else if (_half != null && cols * 2 <= nr)
                        {
                            if (rows == mr && cols * 2 == nr) _half(kc, ap, bp, ct, _ldc, add);
                            else EdgeTile(_half, kc, ap, bp, ct, rows, cols, add, scratch);
                        }
                        else EdgeTile(_kernel, kc, ap, bp, ct, rows, cols, add, scratch);
                    }
                }
            }
        }

        /// <summary>Partial tile: the full tile goes to scratch, then only the valid part into C.</summary>
        private void EdgeTile(delegate*<int, float*, float*, float*, nint, bool, void> kernel,
            int kc, float* ap, float* bp, float* ct, int rows, int cols, bool add, float* scratch)
        {
            int nr = _s.Nr;
            kernel(kc, ap, bp, scratch, nr, false);
            for (int r = 0; r < rows; r++)
            {
                float* src = scratch + r * nr, dst = ct + (nint)r * _ldc;
                if (add) for (int q = 0; q < cols; q++) dst[q] += src[q];
                else for (int q = 0; q < cols; q++) dst[q] = src[q];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Ceil(int x, int d) => (x + d - 1) / d;

    /// <summary>The micro-kernel chosen for this machine, with its tile shape.</summary>
    private sealed unsafe class Variant
    {
        public const int MaxTile = 8 * 32;
        public required int Mr { get; init; }
        public required int Nr { get; init; }
        public required delegate*<int, float*, float*, float*, nint, bool, void> Kernel { get; init; }

        /// <summary>Optional Mr×(Nr/2) kernel on the same packed panels, for a last column panel at most half full.</summary>
        public delegate*<int, float*, float*, float*, nint, bool, void> HalfKernel { get; init; }
        public required string Name { get; init; }

        public static Variant Create() => Supported()[0];

        /// <summary>Every micro-kernel this machine accelerates, widest first (the scalar one is always last).</summary>
        public static Variant[] Supported()
        {
            var list = new List<Variant>();
            if (Vector512.IsHardwareAccelerated) list.Add(new() { Mr = 8, Nr = 32, Kernel = &Kernel512, HalfKernel = &Kernel512Half, Name = "avx512-8x32" });
            if (Vector256.IsHardwareAccelerated) list.Add(new() { Mr = 6, Nr = 16, Kernel = &Kernel6x2<V256, Vector256<float>>, Name = "v256-6x16" });
            if (Vector128.IsHardwareAccelerated) list.Add(new() { Mr = 6, Nr = 8, Kernel = &Kernel6x2<V128, Vector128<float>>, Name = "v128-6x8" });
            list.Add(new() { Mr = 6, Nr = 2, Kernel = &Kernel6x2<V1, float>, Name = "scalar-6x2" });
            return [.. list];
        }
    }

    /// <summary>Per calling thread packing buffers, grown on demand and then reused (pinned, 64-byte aligned).</summary>
    private sealed unsafe class PackBuffers
    {
        [ThreadStatic] private static PackBuffers? _current;
        private float[] _storageA = [], _storageB = [];
        public float* A, B;

        public static PackBuffers ForCurrentThread(int floatsA, int floatsB)
        {
            var buffers = _current ??= new PackBuffers();
            if (buffers._storageA.Length < floatsA + 16) buffers.A = Allocate(ref buffers._storageA, floatsA);
            if (buffers._storageB.Length < floatsB + 16) buffers.B = Allocate(ref buffers._storageB, floatsB);
            return buffers;
        }

        private static float* Allocate(ref float[] storage, int floats)
        {
            // Grow geometrically so a slowly increasing sequence of shapes reallocates only a few times.
            int size = (int)Math.Min(Array.MaxLength, Math.Max(floats + 16L, storage.Length * 3L / 2));
            storage = GC.AllocateUninitializedArray<float>(size, pinned: true);
            float* p = (float*)Unsafe.AsPointer(ref storage[0]);
            return (float*)(((nint)p + 63) & ~(nint)63);
        }
    }
}
