// The always-sparse linear op: y = act(x·Wᵀ + b) with W in CSR, registered on the tape with its own backward.
// The CSR kernels vectorize over a contiguous batch, so the op works feature-major ([features × batch]) inside:
// the product, bias and ReLU (FeatureBias) and their backward all run in that layout. Inputs and outputs are
// converted to and from sample-major only at the ends the options leave sample-major, so a chain of sparse layers
// transposes once at entry and once at exit. Cost: O(nnz·B) for the products plus O((in + out)·B) elementwise;
// nothing here is O(in·out).
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>Differentiable sparse × dense products.</summary>
public static class SparseLinearOp
{
    /// <summary>StepProfiler row for the layout changes at a sample-major boundary (so a breakdown tells them from the products).</summary>
    private const string TransposeLabel = "SparseLinear transposes";

    /// <summary>y = x·Wᵀ + b, sample-major in and out (see the overload with options).</summary>
    public static Tensor Forward(Tensor x, CsrMatrix weight, Tensor values, Tensor? bias, SparseBatchCache cache) =>
        Forward(x, weight, values, bias, cache, default);

    /// <summary>
    /// y = act(x·Wᵀ + b) with the output layout and epilogue of <paramref name="options"/>. <paramref name="values"/> is the
    /// tensor wrapping <paramref name="weight"/>.Values (the optimizer's parameter). The input's layout is its own
    /// <see cref="Tensor.Layout"/>: a batch-major x has its leading dims flattened into the batch; a feature-major x is
    /// [in × batch]. The output carries the layout it was written in. The batch is kept in <paramref name="cache"/> when it is enabled
    /// (a feature-major x or y by the tape, until <see cref="SparseBatchCache.Release"/>). With a feature-major output, backward
    /// turns y's gradient into the pre-activation gradient in place (no other op reads it afterwards).
    /// </summary>
    /// <exception cref="ArgumentException">x, values or bias do not fit the weight's shape.</exception>
    public static Tensor Forward(Tensor x, CsrMatrix weight, Tensor values, Tensor? bias, SparseBatchCache cache, SparseLinearOptions options)
    {
        int inF = weight.Cols, outF = weight.Rows;
        bool inputFeatureMajor = x.Layout == Layout.FeatureMajor, outputFeatureMajor = options.OutputFeatureMajor;
        int batch = CheckArguments(x, weight, values, bias, inputFeatureMajor);
        // The layer's own dZ buffer only for a batch-major output with ReLU (z must survive to backward for the mask).
        bool ownDz = !outputFeatureMajor && options.Relu;
        cache.Prepare(batch, inF, outF, inputFeatureMajor, ownDz);
        Span<int> fmIn = [inF, batch], fmOut = [outF, batch];
        bool record = Tape.GradEnabled && (x.RequiresGrad || values.RequiresGrad || bias is { RequiresGrad: true });

        // Xᵀ for the kernels: x itself, the cache's buffer (which must outlive the tape), or a tape buffer.
        Tensor? xtScratch = null;
        if (!inputFeatureMajor)
        {
            if (!cache.Enabled) xtScratch = Tape.NewOutput(fmIn);
            long t = StepProfiler.Begin();
            Transpose.Matrix(x.Data, cache.Enabled ? cache.OwnInputT(inF) : xtScratch!.Data, batch, inF);
            StepProfiler.End(TransposeLabel, t);
        }
        var xt = inputFeatureMajor ? x.Data : cache.Enabled ? cache.OwnInputT(inF) : xtScratch!.Data;

        // z [out × batch]: the output itself when feature-major. For a batch-major output it is only transposed into y, so
        // without ReLU (whose backward reads z) it is a scratch the tape takes back once y is written; with ReLU, backward's
        // dZ goes into the cache's buffer or a tape buffer.
        Tensor? z = Tape.NewOutput(fmOut), dzScratch = ownDz && !cache.Enabled && record ? Tape.NewOutput(fmOut) : null;
        z.Layout = Layout.FeatureMajor;
        var zData = z.Data;
        // Bias and ReLU applied as each output tile is stored, rather than in a second pass over z. The structure is
        // validated once per topology version here, so the kernels skip re-reading the index arrays on every call.
        weight.CheckForKernels();
        Csr.SpMMBiasTrusted(weight.RowPointers, weight.ColumnIndices, weight.Values, bias is null ? default : bias.Data, xt, zData,
            outF, inF, batch, options.Relu);
        Tensor y;
        if (outputFeatureMajor) y = z!;
        else
        {
            Span<int> shape = stackalloc int[inputFeatureMajor ? 2 : x.Rank];
            if (inputFeatureMajor) shape[0] = batch;
            else x.Shape.CopyTo(shape);
            shape[^1] = outF;
            y = Tape.NewOutput(shape);
            long t = StepProfiler.Begin();
            Transpose.Matrix(zData, y.Data, outF, batch);
            StepProfiler.End(TransposeLabel, t);
            if (!options.Relu)
            {
                Tape.Current?.Return(z);
                z = null;
            }
        }

        if (record)
        {
            var tape = Tape.Current!;
            var node = Node.Record(tape);
            (node.X, node.W, node.Values, node.B, node.Y, node.Z, node.XtScratch, node.DzScratch, node.Cache, node.Batch, node.Options, node.InputFeatureMajor, node.Tape) =
                (x, weight, values, bias, y, z, xtScratch, dzScratch, cache, batch, options, inputFeatureMajor, tape);
            if (inputFeatureMajor) cache.KeepInput(x);
            if (!ownDz) cache.KeepOutput(y);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>Checks the operands once, at the op's boundary, and returns the batch length.</summary>
    private static int CheckArguments(Tensor x, CsrMatrix weight, Tensor values, Tensor? bias, bool inputFeatureMajor)
    {
        int inF = weight.Cols, outF = weight.Rows;
        if (!ReferenceEquals(values.Storage, weight.Values) || values.Size != weight.Nnz)
            throw new ArgumentException("The values tensor must wrap the CSR matrix's value array.", nameof(values));
        if (bias is not null && bias.Size != outF)
            throw new ArgumentException($"SparseLinear's bias must have {outF} elements (one per output), got {bias}.", nameof(bias));
        if (inputFeatureMajor)
        {
            if (x.Rank != 2 || x.Dim(0) != inF)
                throw new ArgumentException($"SparseLinear with feature-major input expects [{inF} × batch], got {x}.", nameof(x));
            return x.Dim(1);
        }
        if (x.Dim(-1) != inF) throw new ArgumentException($"SparseLinear expects inputs with last dimension {inF}, got {x}.", nameof(x));
        return x.Size / Math.Max(inF, 1);
    }

    private sealed class Node : Node<Node>
    {
        public Tensor X = null!, Values = null!, Y = null!;
        public Tensor? B, Z, XtScratch, DzScratch;
        public CsrMatrix W = null!;
        public SparseBatchCache Cache = null!;
        public Tape Tape = null!;
        public int Batch;
        public SparseLinearOptions Options;
        public bool InputFeatureMajor;

        public override void Backward()
        {
            int inF = W.Cols, outF = W.Rows;
            bool outputFeatureMajor = Options.OutputFeatureMajor;
            // dZ, the pre-activation gradient [out × batch]: a feature-major y's own gradient, turned into dZ in place (no
            // other op reads it afterwards; a kept y hands it to the cache so); with ReLU behind a batch-major y, the cache's
            // buffer or a tape buffer; else a scratch handed back after this backward (a kept y's gradient is dZ transposed).
            bool ownDz = !outputFeatureMajor && Options.Relu;
            Span<int> fmOut = [outF, Batch];
            Tensor? dzScratch = outputFeatureMajor || ownDz ? null : Tape.Rent(fmOut);
            var dz = outputFeatureMajor ? Y.Grad : ownDz ? Cache.Enabled ? Cache.OwnOutputGradientT(outF) : DzScratch!.Data : dzScratch!.Data;
            ReadOnlySpan<float> dy = dz;
            if (!outputFeatureMajor)
            {
                long t = StepProfiler.Begin();
                Transpose.Matrix(Y.Grad, dz, Batch, outF);
                StepProfiler.End(TransposeLabel, t);
            }
            FeatureBias.Backward(Z is null ? default : Z.Data, dy, dz, B is { RequiresGrad: true } ? B.Grad : default, outF, Batch, Options.Relu);
            Cache.HasGradient = Cache.HasInput(InputFeatureMajor) && Cache.HasOutputGradient(ownDz);

            var xt = InputFeatureMajor ? X.Data : Cache.Enabled ? Cache.OwnInputT(inF) : XtScratch!.Data;
            bool needX = X.RequiresGrad;
            W.CheckForKernels(); // O(1) unless the topology changed since the forward pass
            if (needX)
            {
                // Feature-major input: its gradient is feature-major too, so the kernel writes it directly: it overwrites
                // a gradient nothing has written yet (no clearing pass, no reading zeros back), else accumulates.
                // A batch-major one gets dXᵀ in a scratch that every node of the step shares (rented and handed back here).
                bool overwrite = false;
                Span<int> fmIn = [inF, Batch];
                var dxtScratch = InputFeatureMajor ? null : Tape.Rent(fmIn);
                var dxt = InputFeatureMajor ? X.GradForWrite(out overwrite) : dxtScratch!.Data;
                bool accumulate = InputFeatureMajor && !overwrite;
                if (Values.RequiresGrad)
                    // Both gradients in one pass over dZ (the kernels are bound by reading it).
                    Csr.SpMMBackwardTrusted(W.ColumnPointers, W.RowIndices, W.TransposePermutation, W.Values, xt, dz, dxt, Values.Grad,
                        outF, inF, Batch, accumulateInput: accumulate, accumulateValues: true);
                else
                    Csr.SpMMTransposedTrusted(W.ColumnPointers, W.RowIndices, W.TransposePermutation, W.Values, dz, dxt, outF, inF, Batch, accumulate);
                if (!InputFeatureMajor)
                {
                    long t = StepProfiler.Begin();
                    // Sample-major input: transpose straight into x's gradient when nothing has written it yet (the usual
                    // case: x feeds only this layer); else through a buffer rented only then, and added.
                    var dx = X.GradForWrite(out bool fresh);
                    if (fresh) Transpose.Matrix(dxt, dx, inF, Batch);
                    else
                    {
                        var sum = Tape.Rent(X.Shape);
                        Transpose.Matrix(dxt, sum.Data, inF, Batch);
                        TensorPrimitives.Add(dx, sum.Data, dx);
                        Tape.Return(sum);
                    }
                    Tape.Return(dxtScratch!);
                    StepProfiler.End(TransposeLabel, t);
                }
            }
            else if (Values.RequiresGrad)
            {
                Csr.SddmmTrusted(W.RowPointers, W.ColumnIndices, dz, xt, Values.Grad, outF, inF, Batch, accumulate: true);
            }
            if (dzScratch is not null) Tape.Return(dzScratch);
        }

        protected override void Clear() =>
            (X, Values, Y, Z, B, XtScratch, DzScratch, W, Cache, Tape) = (null!, null!, null!, null, null, null, null, null!, null!, null!);
    }
}
