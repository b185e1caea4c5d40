// The always-sparse linear op: y[B×out] = x[B×in]·Wᵀ + b with W in CSR, registered on the tape with its own
// backward. Activations enter and leave batch-major (the layout every other op uses) and are transposed to
// feature-major at this boundary, because the CSR kernels vectorize over a contiguous batch. Cost: O(nnz·B)
// for the products plus O((in + out)·B) for the transposes; nothing here is O(in·out).
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>Differentiable sparse × dense products.</summary>
public static class SparseLinearOp
{
    /// <summary>
    /// y = x·Wᵀ + b. <paramref name="values"/> is the tensor wrapping <paramref name="weight"/>.Values (the optimizer's
    /// parameter). x's leading dims are flattened into the batch. The batch is cached in <paramref name="cache"/>.
    /// </summary>
    public static Tensor Forward(Tensor x, CsrMatrix weight, Tensor values, Tensor? bias, SparseBatchCache cache)
    {
        int inF = weight.Cols, outF = weight.Rows;
        if (x.Dim(-1) != inF) throw new ArgumentException($"SparseLinear expects inputs with last dimension {inF}, got {x}.", nameof(x));
        if (!ReferenceEquals(values.Storage, weight.Values) || values.Size != weight.Nnz)
            throw new ArgumentException("The values tensor must wrap the CSR matrix's value array.", nameof(values));
        int batch = x.Size / Math.Max(inF, 1);
        cache.Prepare(batch, inF, outF);
        var xt = cache.InputT(inF);
        Transpose.Matrix(x.Data, xt, batch, inF);

        Span<int> tShape = [outF, batch];
        var yt = Tape.NewOutput(tShape);
        Csr.SpMM(weight.RowPointers, weight.ColumnIndices, weight.Values, xt, yt.Data, outF, inF, batch, accumulate: false);
        Span<int> shape = stackalloc int[x.Rank];
        x.Shape.CopyTo(shape);
        shape[^1] = outF;
        var y = Tape.NewOutput(shape);
        Transpose.Matrix(yt.Data, y.Data, outF, batch);
        if (bias is not null) Bias.AddRows(y.Data, bias.Data, batch, outF);

        bool needX = Tape.GradEnabled && x.RequiresGrad;
        if (Tape.GradEnabled && (needX || values.RequiresGrad || bias is { RequiresGrad: true }))
        {
            var node = Node.Record(Tape.Current!);
            (node.X, node.W, node.Values, node.B, node.Y, node.Cache, node.Batch) = (x, weight, values, bias, y, cache, batch);
            if (needX)
            {
                // Scratch for dXᵀ and its batch-major transpose, rented now because backward runs outside Record().
                Span<int> xtShape = [inF, batch];
                node.DxT = Tape.NewOutput(xtShape);
                node.Dx = Tape.NewOutput(x.Shape);
            }
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class Node : Node<Node>
    {
        public Tensor X = null!, Values = null!, Y = null!;
        public Tensor? B, DxT, Dx;
        public CsrMatrix W = null!;
        public SparseBatchCache Cache = null!;
        public int Batch;

        public override void Backward()
        {
            int inF = W.Cols, outF = W.Rows;
            var dyt = Cache.OutputGradientT(outF);
            Transpose.Matrix(Y.Grad, dyt, Batch, outF);
            Cache.HasGradient = true;
            if (B is { RequiresGrad: true }) Bias.AddRowsBackward(Y.Grad, B.Grad, Batch, outF);
            var xt = Cache.InputT(inF);
            if (DxT is not null && Dx is not null)
            {
                if (Values.RequiresGrad)
                    // Both gradients in one pass over dYᵀ (the kernels are bound by reading it).
                    Csr.SpMMBackward(W.ColumnPointers, W.RowIndices, W.TransposePermutation, W.Values, xt, dyt, DxT.Data, Values.Grad,
                        outF, inF, Batch, accumulateInput: false, accumulateValues: true);
                else
                    Csr.SpMMTransposed(W.ColumnPointers, W.RowIndices, W.TransposePermutation, W.Values, dyt, DxT.Data, outF, inF, Batch, accumulate: false);
                Transpose.Matrix(DxT.Data, Dx.Data, inF, Batch);
                TensorPrimitives.Add(X.Grad, Dx.Data, X.Grad);
            }
            else if (Values.RequiresGrad)
            {
                Csr.Sddmm(W.RowPointers, W.ColumnIndices, dyt, xt, Values.Grad, outF, inF, Batch, accumulate: true);
            }
        }

        protected override void Clear() => (X, Values, Y, B, DxT, Dx, W, Cache) = (null!, null!, null!, null, null, null, null!, null!);
    }
}
