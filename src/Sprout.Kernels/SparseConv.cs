// Direct sparse convolution (no im2col buffer) for always-sparse conv layers: forward, input gradient, weight
// gradient at the live weights, gradients at arbitrary positions and dense gradient rows — the last two are what
// RigL, GSE and DST-EE growth need, computed from X and dY alone, never from a dense weight or gradient.
// Weight: CSR over [Cout × Cin·KH·KW], column (c·KH + i)·KW + j; activations feature-major [C, B, H, W].
// This file is the validating public entry of each kernel and its threading; the loops are in SparseConvLoops.cs
// and SparseConvDotLoops.cs, the reference loops in SparseConvScalar.cs. Spans and sizes only, no allocation:
// the scratch rows live on the stack. Each output element is written by one thread in a fixed order, so results do
// not depend on the thread count.
namespace Sprout.Kernels;

/// <summary>
/// Convolution with a CSR weight computed directly from the feature-major activations. Cost O(nnz·B·OH·OW) for the
/// products; memory O(nnz + activations): no buffer proportional to Cin·KH·KW·B·OH·OW or Cout·Cin·KH·KW.
/// </summary>
public static partial class SparseConv
{
    /// <summary>False keeps stride-2 forward on the direct rows (benchmarks compare the two in one process).</summary>
    internal static bool PanelsEnabled = true;

    /// <summary>True runs stride 1 on the previous row-accumulator kernels (benchmarks compare the two in one process).</summary>
    internal static bool LegacyStride1;

    [ThreadStatic] private static int[]? _usedColumns;

    /// <summary>The distinct columns of the weight, ascending, in the calling thread's scratch.</summary>
    private static unsafe int* UsedColumns(int* idx, int nnz, int fanIn, out int count)
    {
        if (_usedColumns is null || _usedColumns.Length < 2 * fanIn) _usedColumns = GC.AllocateUninitializedArray<int>(2 * fanIn, pinned: true);
        int* seen = (int*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _usedColumns[0]), list = seen + fanIn;
        new Span<int>(seen, fanIn).Clear();
        for (int k = 0; k < nnz; k++) seen[idx[k]] = 1;
        count = 0;
        for (int f = 0; f < fanIn; f++) if (seen[f] != 0) list[count++] = f;
        return list;
    }

    /// <summary>Below this many multiply-adds a kernel stays on the calling thread (as the CSR kernels).</summary>
    private const long ParallelWork = 1 << 18;

    /// <summary>Stack scratch per thread is a few rows of the image width; wider planes are refused rather than overflowing it.</summary>
    private const int MaxWidth = 4096;

    /// <summary>Forward: Y[co, b, oh, ow] (=|+=) Σ_p values[p]·X[c, b, oh·s − p + i, ow·s − p + j] over row co's nonzeros p = (c, i, j).</summary>
    /// <param name="rowPointers">[Cout + 1] CSR row pointers.</param>
    /// <param name="columnIndices">[nnz] columns in [0, Cin·KH·KW), sorted and unique within a row.</param>
    /// <param name="values">[nnz] the weights.</param>
    /// <param name="x">Input [Cin, B, H, W].</param>
    /// <param name="y">Output [Cout, B, OH, OW]; must not overlap x.</param>
    /// <param name="geometry">Channels, batch, plane and window.</param>
    /// <param name="accumulate">When true Y is added to, otherwise overwritten.</param>
    /// <exception cref="ArgumentException">Malformed CSR structure, invalid geometry, or a span too short.</exception>
    public static unsafe void Forward(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> values,
        ReadOnlySpan<float> x, Span<float> y, SparseConvGeometry geometry, bool accumulate)
    {
        int nnz = CheckWeight(rowPointers, columnIndices, geometry);
        Csr.CheckLength(values.Length, nnz, nameof(values), "nnz");
        CheckActivations(x.Length, y.Length, geometry, nameof(x), nameof(y));
        if (geometry.Batch == 0) return;
        fixed (int* ptr = rowPointers, idx = columnIndices)
        fixed (float* v = values, px = x, py = y)
        {
            if (PolyphasePath(geometry))
            {
                // Stride 2: the padded stride-1 kernels over X's phase planes (SparseConvPolyphase.cs).
                PaddedForward(ptr, idx, v, px, py, geometry, accumulate);
                return;
            }
            if (PanelsEnabled && ConvPanels.SupportsSparseForward(geometry.Window))
            {
                // Stride 2: panels of the used taps per 32 outputs (ConvPanels.Sparse.cs) instead of full-resolution rows.
                int* used = UsedColumns(idx, nnz, geometry.FanIn, out int usedCount);
                ConvPanels.SparseForward(ptr, idx, v, used, usedCount, px, py, geometry.OutChannels, geometry.InChannels, geometry.Batch,
                    geometry.Height, geometry.Width, geometry.Window, accumulate);
                return;
            }
            if (PaddedPath(geometry))
            {
                // Stride 1: zero-bordered image blocks, register tiles over every live weight of a row (SparseConvPadded.cs).
                PaddedForward(ptr, idx, v, px, py, geometry, accumulate);
                return;
            }
            var job = new ForwardJob { Ptr = ptr, Idx = idx, Values = v, X = px, Y = py, G = geometry, Accumulate = accumulate };
            Csr.Workers.Run(ref job, PartsFor((long)(nnz + geometry.OutChannels) * geometry.Positions, geometry.OutChannels));
        }
    }

    /// <summary>
    /// Input gradient: dX[c, b, ih, iw] (=|+=) Σ values·dY[co, b, oh, ow] over the live weights (co, c, i, j) and output
    /// positions whose window tap (i, j) lands on (ih, iw); through the CSC index of <see cref="Csr.BuildTransposedIndex"/>.
    /// </summary>
    /// <param name="columnPointers">[Cin·KH·KW + 1] CSC column pointers.</param>
    /// <param name="rowIndices">[nnz] output channel of each CSC position.</param>
    /// <param name="permutation">[nnz] CSR value index of each CSC position.</param>
    /// <param name="values">[nnz] the weights in CSR order.</param>
    /// <param name="dy">Output gradient [Cout, B, OH, OW].</param>
    /// <param name="dx">Input gradient [Cin, B, H, W]; must not overlap dy.</param>
    /// <param name="geometry">Channels, batch, plane and window.</param>
    /// <param name="accumulate">When true dX is added to (the usual backward contract), otherwise overwritten.</param>
    /// <exception cref="ArgumentException">Malformed CSC index, invalid geometry, or a span too short.</exception>
    public static unsafe void InputGradient(ReadOnlySpan<int> columnPointers, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation,
        ReadOnlySpan<float> values, ReadOnlySpan<float> dy, Span<float> dx, SparseConvGeometry geometry, bool accumulate)
    {
        CheckGeometry(geometry);
        Csr.CheckTransposed(columnPointers, rowIndices, permutation, geometry.OutChannels, geometry.FanIn);
        int nnz = columnPointers[geometry.FanIn];
        Csr.CheckLength(values.Length, nnz, nameof(values), "nnz");
        CheckActivations(dx.Length, dy.Length, geometry, nameof(dx), nameof(dy));
        if (geometry.Batch == 0) return;
        fixed (int* ptr = columnPointers, idx = rowIndices, perm = permutation)
        fixed (float* v = values, pdy = dy, pdx = dx)
        {
            if (PanelsEnabled && ConvPanels.SupportsSparseForward(geometry.Window))
            {
                // Stride 2: dCols rows per 32 outputs spread back into a padded scratch (ConvPanels.Sparse.cs).
                ConvPanels.SparseInputGradient(ptr, idx, perm, v, pdy, pdx, geometry.OutChannels, geometry.InChannels, geometry.Batch,
                    geometry.Height, geometry.Width, geometry.Window, accumulate);
                return;
            }
            if (PaddedPath(geometry))
            {
                // Stride 1: the forward kernel on dY padded by k − 1 − p, with the flipped, transposed weight.
                PaddedInputGradient(ptr, idx, perm, v, pdy, pdx, geometry, accumulate);
                return;
            }
            var job = new InputGradientJob { Ptr = ptr, Idx = idx, Perm = perm, Values = v, Dy = pdy, Dx = pdx, G = geometry, Accumulate = accumulate };
            Csr.Workers.Run(ref job, PartsFor((long)(nnz + geometry.InChannels) * geometry.Positions, geometry.InChannels));
        }
    }

    /// <summary>Weight gradient at the live weights: dValues[p] (=|+=) Σ_{b, oh, ow} dY[co, b, oh, ow]·X[c, b, oh·s − p + i, ow·s − p + j].</summary>
    /// <param name="rowPointers">[Cout + 1] CSR row pointers.</param>
    /// <param name="columnIndices">[nnz] CSR columns.</param>
    /// <param name="x">The forward input [Cin, B, H, W].</param>
    /// <param name="dy">Output gradient [Cout, B, OH, OW].</param>
    /// <param name="dValues">[nnz] gradient of the values, CSR order.</param>
    /// <param name="geometry">Channels, batch, plane and window.</param>
    /// <param name="accumulate">When true dValues is added to, otherwise overwritten.</param>
    /// <exception cref="ArgumentException">Malformed CSR structure, invalid geometry, or a span too short.</exception>
    public static unsafe void WeightGradient(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> x,
        ReadOnlySpan<float> dy, Span<float> dValues, SparseConvGeometry geometry, bool accumulate)
    {
        int nnz = CheckWeight(rowPointers, columnIndices, geometry);
        Csr.CheckLength(dValues.Length, nnz, nameof(dValues), "nnz");
        CheckActivations(x.Length, dy.Length, geometry, nameof(x), nameof(dy));
        fixed (int* ptr = rowPointers, idx = columnIndices)
        fixed (float* px = x, pdy = dy, pdv = dValues)
        {
            if (PolyphasePath(geometry))
            {
                // Stride 2: dots with X's phase planes (SparseConvPolyphase.cs).
                PaddedWeightGradient(ptr, idx, px, pdy, pdv, geometry, accumulate);
                return;
            }
            if (PanelsEnabled && geometry.Batch > 0 && ConvPanels.SupportsSparseWeightGradient(geometry.Window, nnz))
            {
                // Stride 2: used-tap panels per 32 outputs against dy rows (ConvPanels.Sparse.cs).
                int* used = UsedColumns(idx, nnz, geometry.FanIn, out int usedCount);
                ConvPanels.SparseWeightGradient(ptr, idx, nnz, used, usedCount, px, pdy, pdv, geometry.OutChannels, geometry.InChannels,
                    geometry.Batch, geometry.Height, geometry.Width, geometry.Window, accumulate);
                return;
            }
            if (PaddedPath(geometry))
            {
                // Stride 1: dots of each live weight's shifted block with dY in padded-width coordinates.
                PaddedWeightGradient(ptr, idx, px, pdy, pdv, geometry, accumulate);
                return;
            }
            var job = new WeightGradientJob { Ptr = ptr, Idx = idx, X = px, Dy = pdy, DValues = pdv, G = geometry, Accumulate = accumulate };
            Csr.Workers.Run(ref job, PartsFor((long)nnz * geometry.Positions, geometry.OutChannels));
        }
    }

    /// <summary>
    /// <see cref="InputGradient"/> and <see cref="WeightGradient"/> in one call, for a backward pass that needs both. On
    /// the padded path (stride 1, or stride 2 on phase planes) with whole vector rows, one zero-bordered block of dY per
    /// part serves both (SparseConvPaddedBackward.cs); otherwise the two kernels run in turn. The same results up to rounding.
    /// </summary>
    /// <param name="rowPointers">[Cout + 1] CSR row pointers.</param>
    /// <param name="columnIndices">[nnz] CSR columns.</param>
    /// <param name="columnPointers">[Cin·KH·KW + 1] CSC column pointers of the same weight.</param>
    /// <param name="rowIndices">[nnz] output channel of each CSC position.</param>
    /// <param name="permutation">[nnz] CSR value index of each CSC position.</param>
    /// <param name="values">[nnz] the weights in CSR order.</param>
    /// <param name="x">The forward input [Cin, B, H, W].</param>
    /// <param name="dy">Output gradient [Cout, B, OH, OW].</param>
    /// <param name="dx">Input gradient [Cin, B, H, W]; must not overlap x or dy.</param>
    /// <param name="dValues">[nnz] gradient of the values, CSR order.</param>
    /// <param name="geometry">Channels, batch, plane and window.</param>
    /// <param name="accumulateInput">When true dX is added to, otherwise overwritten.</param>
    /// <param name="accumulateWeight">When true dValues is added to, otherwise overwritten.</param>
    /// <exception cref="ArgumentException">Malformed CSR or CSC structure, invalid geometry, or a span too short.</exception>
    public static unsafe void Backward(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, ReadOnlySpan<int> columnPointers,
        ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> permutation, ReadOnlySpan<float> values, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> dValues, SparseConvGeometry geometry, bool accumulateInput, bool accumulateWeight)
    {
        int nnz = CheckWeight(rowPointers, columnIndices, geometry);
        Csr.CheckTransposed(columnPointers, rowIndices, permutation, geometry.OutChannels, geometry.FanIn);
        if (columnPointers[geometry.FanIn] != nnz)
            throw new ArgumentException($"The CSC index holds {columnPointers[geometry.FanIn]} weights, the CSR structure {nnz}.", nameof(columnPointers));
        if (geometry.Batch == 0 || nnz == 0 || !FusedBackwardPath(geometry))
        {
            InputGradient(columnPointers, rowIndices, permutation, values, dy, dx, geometry, accumulateInput);
            WeightGradient(rowPointers, columnIndices, x, dy, dValues, geometry, accumulateWeight);
            return;
        }
        Csr.CheckLength(values.Length, nnz, nameof(values), "nnz");
        Csr.CheckLength(dValues.Length, nnz, nameof(dValues), "nnz");
        CheckActivations(x.Length, dy.Length, geometry, nameof(x), nameof(dy));
        CheckActivations(dx.Length, dy.Length, geometry, nameof(dx), nameof(dy));
        bool done;
        fixed (int* ptr = rowPointers, idx = columnIndices, cptr = columnPointers, ridx = rowIndices, perm = permutation)
        fixed (float* v = values, px = x, pdy = dy, pdx = dx, pdv = dValues)
            done = PaddedBackward(ptr, idx, cptr, ridx, perm, v, px, pdy, pdx, pdv, geometry, accumulateInput, accumulateWeight);
        if (done) return;
        InputGradient(columnPointers, rowIndices, permutation, values, dy, dx, geometry, accumulateInput);
        WeightGradient(rowPointers, columnIndices, x, dy, dValues, geometry, accumulateWeight);
    }

    /// <summary>
    /// Gradients at arbitrary weight positions: output[k] (=|+=) ∂L/∂W[rows[k], cols[k]], whether or not the weight is live.
    /// Positions of one row placed next to each other share their reads of dY (sort by row for speed; any order is correct).
    /// </summary>
    /// <param name="rows">[k] output channels, in [0, Cout).</param>
    /// <param name="cols">[k] weight columns, in [0, Cin·KH·KW).</param>
    /// <param name="x">The forward input [Cin, B, H, W].</param>
    /// <param name="dy">Output gradient [Cout, B, OH, OW].</param>
    /// <param name="output">[k] the gradients.</param>
    /// <param name="geometry">Channels, batch, plane and window.</param>
    /// <param name="accumulate">When true output is added to, otherwise overwritten.</param>
    /// <exception cref="ArgumentException">Lengths differ, an index is out of range, invalid geometry, or a span too short.</exception>
    public static unsafe void GradientsAt(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        Span<float> output, SparseConvGeometry geometry, bool accumulate)
    {
        CheckGeometry(geometry);
        int k = rows.Length;
        Csr.CheckLength(cols.Length, k, nameof(cols), "rows.Length");
        Csr.CheckLength(output.Length, k, nameof(output), "rows.Length");
        Csr.CheckIndices(rows, geometry.OutChannels, nameof(rows), "the output channels");
        Csr.CheckIndices(cols, geometry.FanIn, nameof(cols), "Cin·KH·KW");
        CheckActivations(x.Length, dy.Length, geometry, nameof(x), nameof(dy));
        if (k == 0) return;
        fixed (int* ri = rows, ci = cols)
        fixed (float* px = x, pdy = dy, o = output)
        {
            var job = new GradientsAtJob { Rows = ri, Cols = ci, X = px, Dy = pdy, Out = o, G = geometry, Count = k, Accumulate = accumulate };
            Csr.Workers.Run(ref job, PartsFor((long)k * geometry.Positions, k));
        }
    }

    /// <summary>
    /// Dense gradient rows [r0, r1): output[(r − r0)·FanIn + col] = ∂L/∂W[r, col] for every column (RigL's streaming
    /// gradient, a block of rows at a time), from X and dY only. Overwrites.
    /// </summary>
    /// <param name="r0">First output channel.</param>
    /// <param name="r1">One past the last output channel.</param>
    /// <param name="x">The forward input [Cin, B, H, W].</param>
    /// <param name="dy">Output gradient [Cout, B, OH, OW].</param>
    /// <param name="output">[(r1 − r0) × Cin·KH·KW] row-major.</param>
    /// <param name="geometry">Channels, batch, plane and window.</param>
    /// <exception cref="ArgumentException">The row range is outside [0, Cout], invalid geometry, or a span too short.</exception>
    public static unsafe void DenseGradientRows(int r0, int r1, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> output, SparseConvGeometry geometry)
    {
        CheckGeometry(geometry);
        if (r0 < 0 || r1 < r0 || r1 > geometry.OutChannels)
            throw new ArgumentException($"Row range [{r0}, {r1}) is outside [0, {geometry.OutChannels}].", nameof(r0));
        Csr.CheckLength(output.Length, checked((r1 - r0) * geometry.FanIn), nameof(output), "(r1 − r0)·Cin·KH·KW");
        CheckActivations(x.Length, dy.Length, geometry, nameof(x), nameof(dy));
        int tasks = (r1 - r0) * ((geometry.FanIn + Chunk - 1) / Chunk);
        if (tasks == 0) return;
        fixed (float* px = x, pdy = dy, o = output)
        {
            var job = new DenseRowsJob { X = px, Dy = pdy, Out = o, G = geometry, R0 = r0, Tasks = tasks };
            Csr.Workers.Run(ref job, PartsFor((long)(r1 - r0) * geometry.FanIn * geometry.Positions, tasks));
        }
    }

    private static void CheckGeometry(in SparseConvGeometry g)
    {
        g.Validate();
        if (g.Width > MaxWidth) throw new ArgumentException($"Image width {g.Width} exceeds the direct kernels' {MaxWidth}; use im2col + SpMM.");
    }

    private static int CheckWeight(ReadOnlySpan<int> rowPointers, ReadOnlySpan<int> columnIndices, in SparseConvGeometry g)
    {
        CheckGeometry(g);
        return Csr.CheckCompressed(rowPointers, columnIndices, g.OutChannels, g.FanIn, nameof(rowPointers), nameof(columnIndices), "out channels", "Cin·KH·KW");
    }

    private static void CheckActivations(int inputLength, int outputLength, in SparseConvGeometry g, string inputName, string outputName)
    {
        if (inputLength < g.InputLength) throw new ArgumentException($"{inputName} holds {inputLength} floats, needs Cin·B·H·W = {g.InputLength}.", inputName);
        if (outputLength < g.OutputLength) throw new ArgumentException($"{outputName} holds {outputLength} floats, needs Cout·B·OH·OW = {g.OutputLength}.", outputName);
    }

    private static int PartsFor(long work, int major) =>
        work < ParallelWork || Csr.Workers.Threads == 1 ? 1 : Math.Max(1, Math.Min(major, Csr.Workers.Threads * 4));

    /// <summary>First index of share <paramref name="part"/> over major items whose cost is ptr[(m+1)·stride] − ptr[m·stride] + 1.</summary>
    private static unsafe int Split(int* ptr, int stride, int major, int part, int parts)
    {
        if (part <= 0) return 0;
        if (part >= parts) return major;
        long target = ((long)ptr[(long)major * stride] + major) * part / parts;
        int lo = 0, hi = major;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if ((long)ptr[(long)mid * stride] + mid < target) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private unsafe struct ForwardJob : Csr.IJob
    {
        public int* Ptr, Idx;
        public float* Values, X, Y;
        public SparseConvGeometry G;
        public bool Accumulate;

        public readonly void Execute(int part, int parts)
        {
            int r0 = Split(Ptr, 1, G.OutChannels, part, parts), r1 = Split(Ptr, 1, G.OutChannels, part + 1, parts);
            if (r0 < r1) ForwardRows(Ptr, Idx, Values, X, Y, G, r0, r1, Accumulate);
        }
    }

    private unsafe struct InputGradientJob : Csr.IJob
    {
        public int* Ptr, Idx, Perm;
        public float* Values, Dy, Dx;
        public SparseConvGeometry G;
        public bool Accumulate;

        public readonly void Execute(int part, int parts)
        {
            int kk = G.Window.KernelHeight * G.Window.KernelWidth;
            int c0 = Split(Ptr, kk, G.InChannels, part, parts), c1 = Split(Ptr, kk, G.InChannels, part + 1, parts);
            if (c0 < c1) InputGradientChannels(Ptr, Idx, Perm, Values, Dy, Dx, G, c0, c1, Accumulate);
        }
    }

    private unsafe struct WeightGradientJob : Csr.IJob
    {
        public int* Ptr, Idx;
        public float* X, Dy, DValues;
        public SparseConvGeometry G;
        public bool Accumulate;

        public readonly void Execute(int part, int parts)
        {
            int r0 = Split(Ptr, 1, G.OutChannels, part, parts), r1 = Split(Ptr, 1, G.OutChannels, part + 1, parts);
            if (r0 < r1) WeightGradientRows(Ptr, Idx, X, Dy, DValues, G, r0, r1, Accumulate);
        }
    }

    private unsafe struct GradientsAtJob : Csr.IJob
    {
        public int* Rows, Cols;
        public float* X, Dy, Out;
        public SparseConvGeometry G;
        public int Count;
        public bool Accumulate;

        public readonly void Execute(int part, int parts)
        {
            int q0 = Parallelism.ShareStart(Count, part, parts), q1 = Parallelism.ShareStart(Count, part + 1, parts);
            if (q0 < q1) GradientsAtRange(Rows, Cols, X, Dy, Out, G, q0, q1, Accumulate);
        }
    }

    private unsafe struct DenseRowsJob : Csr.IJob
    {
        public float* X, Dy, Out;
        public SparseConvGeometry G;
        public int R0, Tasks;

        public readonly void Execute(int part, int parts)
        {
            int t0 = Parallelism.ShareStart(Tasks, part, parts), t1 = Parallelism.ShareStart(Tasks, part + 1, parts);
            if (t0 < t1) DenseRowsRange(X, Dy, Out, G, R0, t0, t1);
        }
    }
}
