// The always-sparse 2-d convolution op: y = W ∗ x (+ b) with W in CSR over [Cout × Cin·KH·KW], activations
// feature-major [C, B, H, W], registered on the tape with its own backward (dX and dW at the live weights).
// It runs the direct sparse kernels (Sprout.Kernels.SparseConv), chosen over im2col + SpMM by measurement
// (docs/BENCHMARKS.md, "Sparse convolution: direct vs im2col + SpMM"): no buffer proportional to Cin·KH·KW·B·OH·OW,
// and nothing anywhere of size Cout·Cin·KH·KW. The optional cache keeps the batch's X and dY (the tape's own tensors,
// not copies) past Tape.Reset so that growth criteria can ask for gradients at arbitrary positions (GradientsAt,
// DenseGradientRows) at update steps.
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>Differentiable sparse convolution over feature-major activations.</summary>
public static class SparseConv2dOp
{
    /// <summary>
    /// y[co, b, oh, ow] = Σ W[co, (c·KH + i)·KW + j]·x[c, b, oh·s − p + i, ow·s − p + j] + bias[co]: x is
    /// [Cin, B, H, W] feature-major, y is [Cout, B, OH, OW] feature-major. <paramref name="values"/> wraps
    /// <paramref name="weight"/>.Values (the optimizer's parameter). When <paramref name="cache"/> keeps batches, x and
    /// y (whose gradient is dY) stay readable through it past Tape.Reset until it is released (see <see cref="Geometry"/>
    /// for reading them back).
    /// </summary>
    /// <exception cref="ArgumentException">x, values, bias or the shape do not fit the weight.</exception>
    public static Tensor Forward(Tensor x, CsrMatrix weight, Tensor values, Tensor? bias, ConvShape shape, ConvBatchCache? cache = null)
    {
        var g = CheckArguments(x, weight, values, bias, shape);
        cache?.Release(); // before renting y, so that y can be the previous batch's output slot again
        var y = Tape.NewOutput([g.OutChannels, g.Batch, g.OutputHeight, g.OutputWidth]);
        y.Layout = Layout.FeatureMajor;
        cache?.Begin(x, y, g.Batch);
        weight.CheckForKernels();
        long t0 = StepProfiler.Begin();
        SparseConv.Forward(weight.RowPointers, weight.ColumnIndices, weight.Values, x.Data, y.Data, g, accumulate: false);
        StepProfiler.End(ProfileLabel(g, 0), t0);
        if (bias is not null) FeatureBias.Forward(y.Data, bias.Data, g.OutChannels, g.Positions, relu: false);

        if (Tape.GradEnabled && (x.RequiresGrad || values.RequiresGrad || bias is { RequiresGrad: true }))
        {
            var node = Node.Record(Tape.Current!);
            (node.X, node.W, node.Values, node.B, node.Y, node.Cache, node.G) = (x, weight, values, bias, y, cache, g);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>The kernels' geometry for a batch of <paramref name="batch"/> images of height×width through <paramref name="shape"/>.</summary>
    public static SparseConvGeometry Geometry(ConvShape shape, int batch, int height, int width) =>
        new(shape.InChannels, shape.OutChannels, batch, height, width, shape.Window);

    /// <summary>
    /// output[k] = ∂L/∂W[rows[k], cols[k]] for the batch kept in <paramref name="cache"/> (live or not), from its X and dY
    /// only: O(k·B·OH·OW) time, no dense weight or gradient.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cache holds no gradient (no backward since the last forward).</exception>
    public static void GradientsAt(ConvBatchCache cache, ConvShape shape, int height, int width,
        ReadOnlySpan<int> rows, ReadOnlySpan<int> cols, Span<float> output)
    {
        var g = CachedGeometry(cache, shape, height, width);
        SparseConv.GradientsAt(rows, cols, cache.Input((int)g.InputLength), cache.OutputGradient((int)g.OutputLength),
            output, g, accumulate: false);
    }

    /// <summary>Dense gradient rows [r0, r1) × Cin·KH·KW of the batch kept in <paramref name="cache"/> (RigL's streaming gradient).</summary>
    /// <exception cref="InvalidOperationException">The cache holds no gradient (no backward since the last forward).</exception>
    public static void DenseGradientRows(ConvBatchCache cache, ConvShape shape, int height, int width, int r0, int r1, Span<float> output)
    {
        var g = CachedGeometry(cache, shape, height, width);
        SparseConv.DenseGradientRows(r0, r1, cache.Input((int)g.InputLength), cache.OutputGradient((int)g.OutputLength),
            output, g);
    }

    private static SparseConvGeometry CachedGeometry(ConvBatchCache cache, ConvShape shape, int height, int width)
    {
        if (!cache.HasGradient)
            throw new InvalidOperationException("The conv layer's cache holds no gradient: run forward and backward with the cache enabled first.");
        return Geometry(shape, cache.Batch, height, width);
    }

    // StepProfiler rows: forward, dX, dW and both by kind of window (3×3 stride 1, 3×3 stride 2, 1×1, any other).
    private static readonly string[] ProfileLabels = [.. from part in new[] { "fwd", "dX", "dW", "dX+dW" }
        from kind in new[] { "3x3 s1", "3x3 s2", "1x1", "other" } select $"SparseConv2d {kind} {part}"];

    private static string ProfileLabel(in SparseConvGeometry g, int part)
    {
        var w = g.Window;
        int kind = w.KernelHeight == 1 && w.KernelWidth == 1 ? 2
            : w.KernelHeight == 3 && w.KernelWidth == 3 ? (w.StrideHeight == 1 ? 0 : w.StrideHeight == 2 ? 1 : 3) : 3;
        return ProfileLabels[part * 4 + kind];
    }

    private static SparseConvGeometry CheckArguments(Tensor x, CsrMatrix weight, Tensor values, Tensor? bias, ConvShape shape)
    {
        shape.Validate();
        if (weight.Rows != shape.OutChannels || weight.Cols != shape.FanIn)
            throw new ArgumentException($"The weight is [{weight.Rows} × {weight.Cols}] but the conv {shape} needs [{shape.OutChannels} × {shape.FanIn}].", nameof(weight));
        if (!ReferenceEquals(values.Storage, weight.Values) || values.Size != weight.Nnz)
            throw new ArgumentException("The values tensor must wrap the CSR matrix's value array.", nameof(values));
        if (bias is not null && bias.Size != shape.OutChannels)
            throw new ArgumentException($"SparseConv2d's bias must have {shape.OutChannels} elements (one per output channel), got {bias}.", nameof(bias));
        if (x.Rank != 4 || x.Dim(0) != shape.InChannels || x.Layout != Layout.FeatureMajor)
            throw new ArgumentException($"SparseConv2d {shape} expects a feature-major input [{shape.InChannels}, B, H, W], got {x} ({x.Layout}); reorder it first.", nameof(x));
        var g = Geometry(shape, x.Dim(1), x.Dim(2), x.Dim(3));
        g.Validate();
        return g;
    }

    private sealed class Node : Node<Node>
    {
        public Tensor X = null!, Values = null!, Y = null!;
        public Tensor? B;
        public CsrMatrix W = null!;
        public ConvBatchCache? Cache;
        public SparseConvGeometry G;

        public override void Backward()
        {
            ReadOnlySpan<float> dy = Y.Grad;
            if (B is { RequiresGrad: true })
                FeatureBias.Backward(default, dy, Y.Grad, B.Grad, G.OutChannels, G.Positions, relu: false); // dz = dy in place
            Cache?.Finish(dy);
            W.CheckForKernels(); // O(1) unless the topology changed since the forward pass
            if (X.RequiresGrad && Values.RequiresGrad)
            {
                // Both from one pass where the kernels can share dY's padded block (stride 1).
                long t = StepProfiler.Begin();
                var dx = X.GradForWrite(out bool overwrite);
                SparseConv.Backward(W.RowPointers, W.ColumnIndices, W.ColumnPointers, W.RowIndices, W.TransposePermutation, W.Values,
                    X.Data, dy, dx, Values.Grad, G, accumulateInput: !overwrite, accumulateWeight: true);
                StepProfiler.End(ProfileLabel(G, 3), t);
                return;
            }
            if (X.RequiresGrad)
            {
                long t = StepProfiler.Begin();
                var dx = X.GradForWrite(out bool overwrite); // a gradient nothing has written yet is overwritten, not cleared first
                SparseConv.InputGradient(W.ColumnPointers, W.RowIndices, W.TransposePermutation, W.Values, dy, dx, G, accumulate: !overwrite);
                StepProfiler.End(ProfileLabel(G, 1), t);
            }
            if (Values.RequiresGrad)
            {
                long t = StepProfiler.Begin();
                SparseConv.WeightGradient(W.RowPointers, W.ColumnIndices, X.Data, dy, Values.Grad, G, accumulate: true);
                StepProfiler.End(ProfileLabel(G, 2), t);
            }
        }

        protected override void Clear() => (X, Values, Y, B, W, Cache) = (null!, null!, null!, null, null!, null);
    }
}
