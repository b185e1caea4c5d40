// Tests of the direct sparse convolution kernels: every kernel against its Scalar (Escoin-loop) reference on random
// and odd shapes (stride 1 and 2, padding 0/1/2, 1×1, 3×3, 5×5 and non-square kernels, batch 1, empty rows, rows
// longer than one decode chunk, stride-1 padded blocks with a partial last part), the Scalar forward against im2col +
// a dense product, and the references against each other through the adjoint identities ⟨W∗X, dY⟩ = ⟨X, dX⟩ = Σ values·dW.
// Backward (dX and dW in one call) is checked against the same references on every case (one shared block of dY at
// widths 16·k, the two kernels otherwise).
using Sprout.Kernels;
using Sprout.TestSupport;

namespace Sprout.Kernels.Tests;

public class SparseConvTests
{
    /// <summary>(Cin, Cout, batch, H, W, kh, kw, sh, sw, ph, pw, density).</summary>
    public static IEnumerable<object[]> Cases() =>
    [
        [3, 5, 2, 7, 9, 3, 3, 1, 1, 1, 1, 0.3],
        [4, 3, 1, 8, 8, 3, 3, 2, 2, 1, 1, 0.5],      // stride 2, batch 1
        [2, 4, 3, 5, 6, 1, 1, 1, 1, 0, 0, 0.6],      // 1×1
        [3, 2, 2, 9, 11, 5, 5, 1, 1, 2, 2, 0.4],     // 5×5, padding 2
        [2, 3, 2, 10, 7, 5, 5, 2, 2, 0, 0, 0.5],     // 5×5, stride 2, no padding
        [1, 1, 1, 3, 3, 3, 3, 1, 1, 0, 0, 1.0],      // one output pixel
        [6, 4, 2, 17, 33, 3, 3, 1, 1, 1, 1, 0.2],    // width 33: full vectors and a tail
        [5, 6, 2, 16, 16, 3, 3, 2, 2, 0, 0, 0.3],    // stride 2, padding 0
        [3, 4, 2, 9, 10, 3, 2, 2, 1, 1, 1, 0.5],     // non-square kernel, stride and padding
        [2, 3, 2, 6, 5, 3, 3, 3, 3, 1, 1, 0.7],      // stride 3
        [300, 3, 1, 5, 5, 3, 3, 1, 1, 1, 1, 0.35],   // Cin·k·k = 2700: rows span several decode chunks
        [3, 7, 2, 6, 6, 3, 3, 1, 1, 1, 1, 0.0],      // no live weight at all
        [2, 3, 1, 130, 40, 3, 3, 1, 1, 1, 1, 0.4],   // tall planes: several row blocks per image
        [2, 2, 2, 150, 30, 3, 3, 2, 2, 1, 1, 0.5],   // several row blocks, stride 2
        [3, 40, 2, 9, 9, 3, 3, 1, 1, 1, 1, 0.5],     // many output channels per kernel position (dX four at a time)
        [3, 40, 2, 9, 9, 3, 3, 2, 2, 1, 1, 0.5],     // the same with stride 2
        [2, 3, 2, 7, 37, 3, 3, 2, 2, 1, 1, 0.6],     // stride 2, output width 19: 16- and 8-wide subsampling plus a tail
        [16, 32, 3, 32, 32, 3, 3, 2, 2, 1, 1, 0.1],  // ResNet-20's 16→32 downsampling at 10%: sparse panels, two rows per panel
        [7, 5, 5, 9, 11, 1, 1, 2, 2, 0, 0, 0.6],     // 1×1 stride-2 shortcut, panels spanning images
        [64, 8, 7, 8, 8, 3, 3, 1, 1, 1, 1, 0.1],     // stride 1 padded blocks of 5 images: a full part and a partial one
        [3, 4, 3, 12, 10, 3, 3, 1, 1, 1, 0, 0.5],    // stride 1, padding only vertical: output narrower than the input
        [2, 5, 2, 6, 7, 3, 3, 1, 1, 0, 0, 0.6],      // stride 1, no padding: every border position is dropped
        [3, 3, 2, 7, 9, 2, 3, 1, 1, 1, 2, 0.5],      // stride 1, even kernel height, padding = kernel − 1
        [5, 6, 3, 11, 32, 3, 3, 1, 1, 1, 1, 0.3],    // stride 1, rows of 32: tiles of four whole rows, a partial last one
        [4, 3, 2, 7, 16, 3, 3, 1, 1, 1, 1, 0.4],     // stride 1, rows of 16: tiles of eight rows across images
        [2, 2, 1, 3, 64, 3, 3, 1, 1, 1, 1, 0.5],     // stride 1, rows of 64: two rows per tile, one left over
        [16, 16, 5, 32, 32, 3, 3, 1, 1, 1, 1, 0.1],  // ResNet-20's first stage at 10%: dX and dW from one block of dY per image
        [9, 13, 3, 16, 16, 3, 3, 1, 1, 1, 1, 0.05],  // rows of 16, odd channels, some with no live weight (fused backward)
        [5, 3, 2, 6, 48, 5, 5, 1, 1, 2, 2, 0.3],     // 5×5 with rows of 48: three vectors per row, fused backward
        [5, 7, 3, 9, 8, 3, 3, 1, 1, 1, 1, 0.4],      // rows of 8 (256-bit fused backward), 27 lines: a partial last tile
        [3, 4, 2, 8, 8, 5, 5, 1, 1, 2, 2, 0.3],      // 5×5 on 8 px planes
        [5, 7, 1, 6, 8, 3, 3, 1, 1, 1, 1, 0.4],      // rows of 8 in shifted blocks (lines of two rows): batch 1, odd channels
        [7, 3, 3, 2, 16, 3, 3, 1, 1, 1, 1, 0.5],     // two rows of 16 per image: three images in one tile of shifted lines
        // Stride 2 on phase planes (SparseConvPolyphase.cs): even planes with output = input / 2.
        [5, 7, 3, 16, 16, 3, 3, 2, 2, 1, 1, 0.3],    // output rows of 8 (256-bit fused backward), odd channels
        [3, 5, 1, 32, 32, 3, 3, 2, 2, 1, 1, 0.4],    // batch 1, output rows of 16
        [9, 13, 3, 32, 32, 3, 3, 2, 2, 1, 1, 0.05],  // some phase planes and output channels without live weights
        [3, 4, 2, 12, 64, 5, 5, 2, 2, 2, 2, 0.3],    // 5×5, padding 2, output rows of 32
        [4, 3, 2, 16, 16, 2, 2, 2, 2, 0, 0, 0.5],    // 2×2 without padding: a one-tap window per phase
        [2, 3, 2, 10, 20, 4, 4, 2, 2, 1, 1, 0.5],    // 4×4, padding 1: borders on both sides, output rows of 10 (flat runs)
        [6, 5, 3, 16, 16, 1, 1, 2, 2, 0, 0, 0.5],    // 1×1 shortcut on phase (0, 0) only: output rows of 8
        [7, 9, 2, 32, 32, 1, 1, 2, 2, 0, 0, 0.3],    // 1×1, output rows of 16
        [3, 4, 2, 12, 20, 1, 1, 2, 2, 0, 0, 0.6],    // 1×1, output rows of 10: dX on ConvPanels, forward and dW on the phase
    ];

    internal static (CsrCase W, SparseConvGeometry G, float[] X, float[] Dy) Make(object[] c, ulong seed)
    {
        var g = new SparseConvGeometry((int)c[0], (int)c[1], (int)c[2], (int)c[3], (int)c[4],
            new Window2d((int)c[5], (int)c[6], (int)c[7], (int)c[8], (int)c[9], (int)c[10]));
        var w = CsrCase.Random(g.OutChannels, g.FanIn, (double)c[11], seed);
        return (w, g, Shapes.Random((int)g.InputLength, seed + 7), Shapes.Random((int)g.OutputLength, seed + 8));
    }

    private static float Tol(SparseConvGeometry g) => 1e-4f + 2e-6f * Math.Max(g.FanIn, g.Positions);

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryKernel_MatchesScalar(int cin, int cout, int batch, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, double density)
    {
        object[] c = [cin, cout, batch, h, w, kh, kw, sh, sw, ph, pw, density];
        var (m, g, x, dy) = Make(c, 11);
        float tol = Tol(g);
        foreach (bool accumulate in new[] { false, true })
        {
            float[] start = Shapes.Random((int)g.OutputLength, 5), fast = (float[])start.Clone(), reference = (float[])start.Clone();
            SparseConv.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, fast, g, accumulate);
            SparseConv.Scalar.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, reference, g, accumulate);
            Approx.Equal(reference, fast, tol, 1e-4f, $"forward acc={accumulate}");

            start = Shapes.Random((int)g.InputLength, 6);
            fast = (float[])start.Clone();
            reference = (float[])start.Clone();
            SparseConv.InputGradient(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, fast, g, accumulate);
            SparseConv.Scalar.InputGradient(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, reference, g, accumulate);
            Approx.Equal(reference, fast, tol, 1e-4f, $"dX acc={accumulate}");

            start = Shapes.Random(m.Nnz, 7);
            fast = (float[])start.Clone();
            reference = (float[])start.Clone();
            SparseConv.WeightGradient(m.RowPointers, m.ColumnIndices, x, dy, fast, g, accumulate);
            SparseConv.Scalar.WeightGradient(m.RowPointers, m.ColumnIndices, x, dy, reference, g, accumulate);
            Approx.Equal(reference, fast, tol, 1e-4f, $"dW acc={accumulate}");

            // Both gradients in one call (one padded block of dY on the fused stride-1 path), against the same references.
            float[] dxStart = Shapes.Random((int)g.InputLength, 6), dwStart = Shapes.Random(m.Nnz, 7);
            float[] dxRef = (float[])dxStart.Clone(), dwRef = (float[])dwStart.Clone(), dxBoth = (float[])dxStart.Clone(), dwBoth = (float[])dwStart.Clone();
            SparseConv.Backward(m.RowPointers, m.ColumnIndices, m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dxBoth, dwBoth, g,
                accumulateInput: accumulate, accumulateWeight: !accumulate);
            SparseConv.Scalar.InputGradient(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dxRef, g, accumulate);
            SparseConv.Scalar.WeightGradient(m.RowPointers, m.ColumnIndices, x, dy, dwRef, g, !accumulate);
            Approx.Equal(dxRef, dxBoth, tol, 1e-4f, $"backward dX acc={accumulate}");
            Approx.Equal(dwRef, dwBoth, tol, 1e-4f, $"backward dW acc={!accumulate}");

            // Arbitrary positions: unsorted, repeated, runs of one row, live and dead alike.
            var rng = new Sprout.Core.Rng(3);
            int k = 1 + 3 * (int)(g.OutChannels * Math.Min(g.FanIn, 40) * 0.3);
            int[] rows = new int[k], cols = new int[k];
            for (int q = 0; q < k; q++) { rows[q] = q % 4 == 3 ? rows[q - 1] : rng.NextInt(g.OutChannels); cols[q] = rng.NextInt(g.FanIn); }
            start = Shapes.Random(k, 8);
            fast = (float[])start.Clone();
            reference = (float[])start.Clone();
            SparseConv.GradientsAt(rows, cols, x, dy, fast, g, accumulate);
            SparseConv.Scalar.GradientsAt(rows, cols, x, dy, reference, g, accumulate);
            Approx.Equal(reference, fast, tol, 1e-4f, $"gradients at acc={accumulate}");
        }

        int r0 = g.OutChannels / 3, r1 = g.OutChannels;
        float[] dense = Shapes.Random((r1 - r0) * g.FanIn, 9), denseRef = new float[dense.Length];
        SparseConv.DenseGradientRows(r0, r1, x, dy, dense, g);
        SparseConv.Scalar.DenseGradientRows(r0, r1, x, dy, denseRef, g);
        Approx.Equal(denseRef, dense, tol, 1e-4f, "dense rows");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RowAccumulatorKernels_StillMatchScalar_AtStride1(int cin, int cout, int batch, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, double density)
    {
        // Stride 1 runs on the padded blocks (SparseConvPadded.cs) where SIMD allows; the row-accumulator kernels remain
        // the path without it, so they keep their own check here. Flipping the switch only changes which path others take.
        if (sh == 1 && sw == 1)
            WithOtherPath(on => SparseConv.LegacyStride1 = on, [cin, cout, batch, h, w, kh, kw, sh, sw, ph, pw, density]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PanelKernels_StillMatchScalar_AtStride2(int cin, int cout, int batch, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, double density)
    {
        // Stride 2 runs on phase planes (SparseConvPolyphase.cs) where the plane allows; ConvPanels remains the path for
        // the other stride-2 layers, so it keeps its own check on every stride-2 case here.
        if (sh == 2 && sw == 2)
            WithOtherPath(on => SparseConv.PolyphaseEnabled = !on, [cin, cout, batch, h, w, kh, kw, sh, sw, ph, pw, density]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PlainBlocks_StillMatchScalar_AtStride1(int cin, int cout, int batch, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, double density)
    {
        // The tile jobs read column-shifted copies of the block (aligned loads); the plain block stays selectable.
        if (sh == 1 && sw == 1)
            WithOtherPath(on => SparseConv.ShiftedColumnsEnabled = !on, [cin, cout, batch, h, w, kh, kw, sh, sw, ph, pw, density]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ShiftedBlocks_GiveTheSameBitsAsPlainBlocks(int cin, int cout, int batch, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, double density)
    {
        // Same parts, same taps in the same order: only where the vectors come from differs.
        if (sh != 1 || sw != 1) return;
        var (m, g, x, dy) = Make([cin, cout, batch, h, w, kh, kw, sh, sw, ph, pw, density], 13);
        float[][] Run()
        {
            float[] y = Shapes.Random((int)g.OutputLength, 5), dx = Shapes.Random((int)g.InputLength, 6), dxBoth = (float[])dx.Clone();
            float[] dw = Shapes.Random(m.Nnz, 7);
            SparseConv.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, y, g, accumulate: true);
            SparseConv.InputGradient(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx, g, accumulate: false);
            SparseConv.Backward(m.RowPointers, m.ColumnIndices, m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dxBoth, dw, g,
                accumulateInput: true, accumulateWeight: false);
            return [y, dx, dxBoth, dw];
        }
        var shifted = Run();
        SparseConv.ShiftedColumnsEnabled = false;
        float[][] plain;
        try { plain = Run(); }
        finally { SparseConv.ShiftedColumnsEnabled = true; }
        for (int q = 0; q < 3; q++) Assert.Equal(plain[q], shifted[q]);
        // dW likewise, except on rows of 8: its per-tap vector sums then run over 16 lanes (two rows) instead of 8.
        if (g.OutputWidth == 8) Approx.Equal(plain[3], shifted[3], Tol(g), 1e-4f, "dW");
        else Assert.Equal(plain[3], shifted[3]);
    }

    // EveryKernel_MatchesScalar with a path switch turned on for its duration.
    private void WithOtherPath(Action<bool> turn, object[] c)
    {
        turn(true);
        try
        {
            EveryKernel_MatchesScalar((int)c[0], (int)c[1], (int)c[2], (int)c[3], (int)c[4], (int)c[5], (int)c[6], (int)c[7], (int)c[8],
                (int)c[9], (int)c[10], (double)c[11]);
        }
        finally { turn(false); }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScalarReferences_AgreeWithIm2ColAndWithEachOther(int cin, int cout, int batch, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, double density)
    {
        object[] c = [cin, cout, batch, h, w, kh, kw, sh, sw, ph, pw, density];
        var (m, g, x, dy) = Make(c, 21);
        int oh = g.OutputHeight, ow = g.OutputWidth, hw = h * w, ohw = oh * ow;
        float[] y = new float[g.OutputLength];
        SparseConv.Scalar.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, y, g, accumulate: false);

        // Dense convolution per image: im2col of the NCHW image, then the densified weight times the columns.
        double[] wd = m.Dense();
        float[] image = new float[cin * hw], columns = new float[g.FanIn * ohw];
        for (int b = 0; b < batch; b++)
        {
            for (int ch = 0; ch < cin; ch++) Array.Copy(x, (ch * batch + b) * hw, image, ch * hw, hw);
            Convolution.Scalar.Im2Col(image, columns, cin, h, w, g.Window);
            for (int co = 0; co < cout; co++)
                for (int t = 0; t < ohw; t++)
                {
                    double s = 0;
                    for (int col = 0; col < g.FanIn; col++) s += wd[co * g.FanIn + col] * columns[col * ohw + t];
                    Approx.Equal(s, y[(co * batch + b) * ohw + t], 1e-4, 1e-4, "scalar forward vs im2col");
                }
        }

        float[] dx = new float[g.InputLength], dw = new float[m.Nnz];
        SparseConv.Scalar.InputGradient(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx, g, accumulate: false);
        SparseConv.Scalar.WeightGradient(m.RowPointers, m.ColumnIndices, x, dy, dw, g, accumulate: false);
        double yDy = Dot(y, dy), xDx = Dot(x, dx), wDw = Dot(m.Values, dw);
        double scale = 1e-4 * (1 + Math.Sqrt(g.OutputLength) * Math.Sqrt(g.FanIn));
        Approx.Equal(yDy, xDx, scale, 1e-4, "⟨W∗X, dY⟩ = ⟨X, dX⟩");
        Approx.Equal(yDy, wDw, scale, 1e-4, "⟨W∗X, dY⟩ = Σ values·dW");
    }

    [Fact]
    public void RejectsMalformedInput()
    {
        var (m, g, x, dy) = Make([3, 5, 2, 7, 9, 3, 3, 1, 1, 1, 1, 0.3], 1);
        float[] y = new float[g.OutputLength];
        Assert.Throws<ArgumentException>(() => SparseConv.Forward(m.RowPointers, m.ColumnIndices, m.Values, x.AsSpan(1), y, g, false));
        Assert.Throws<ArgumentException>(() => SparseConv.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, y, g with { InChannels = 2 }, false));
        Assert.Throws<ArgumentException>(() => SparseConv.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, y, g with { Window = new Window2d(3, 3, 1, 1, 3, 3) }, false));
        Assert.Throws<ArgumentException>(() => SparseConv.GradientsAt([0], [g.FanIn], x, dy, new float[1], g, false));
        Assert.Throws<ArgumentException>(() => SparseConv.DenseGradientRows(2, 6, x, dy, new float[4 * g.FanIn], g));
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }
}

/// <summary>Sparse convolution properties that change Parallelism.Threads or measure allocation (run alone).</summary>
[Collection(ThreadsCollection.Name)]
public sealed class SparseConvThreadingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]   // forward on ConvPanels' sparse path: two parts of four images
    public void ResultsAreBitIdenticalForAnyThreadCount_AndAllocateNothing(int stride)
    {
        var (m, g, x, dy) = SparseConvTests.Make([24, 32, 8, 16, 16, 3, 3, stride, stride, 1, 1, 0.1], 4);
        int saved = Parallelism.Threads;
        try
        {
            float[][]? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.Threads = threads;
                float[] y = new float[g.OutputLength], dx = new float[g.InputLength], dw = new float[m.Nnz], rows = new float[5 * g.FanIn];
                SparseConv.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, y, g, false);
                SparseConv.InputGradient(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx, g, false);
                SparseConv.WeightGradient(m.RowPointers, m.ColumnIndices, x, dy, dw, g, false);
                SparseConv.DenseGradientRows(3, 8, x, dy, rows, g);
                float[] dxBoth = new float[g.InputLength], dwBoth = new float[m.Nnz];
                SparseConv.Backward(m.RowPointers, m.ColumnIndices, m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dxBoth, dwBoth, g, false, false);
                float[][] now = [y, dx, dw, rows, dxBoth, dwBoth];
                if (first is null) first = [.. now.Select(a => (float[])a.Clone())];
                else
                    for (int i = 0; i < now.Length; i++) Assert.Equal(first[i], now[i]);
                long bytes = Allocations.OnceSettled(() =>
                {
                    SparseConv.Forward(m.RowPointers, m.ColumnIndices, m.Values, x, y, g, false);
                    SparseConv.InputGradient(m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, dy, dx, g, true);
                    SparseConv.WeightGradient(m.RowPointers, m.ColumnIndices, x, dy, dw, g, true);
                    SparseConv.Backward(m.RowPointers, m.ColumnIndices, m.ColumnPointers, m.RowIndices, m.Permutation, m.Values, x, dy, dx, dw, g, true, true);
                    SparseConv.GradientsAt(m.RowIndices, m.RowIndices, x, dy, dw, g, false);
                });
                Assert.Equal(0, bytes);
            }
        }
        finally { Parallelism.Threads = saved; }
    }
}
