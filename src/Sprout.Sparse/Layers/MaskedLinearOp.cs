// The masked dense linear op: y = x·(W ⊙ M)ᵀ + b with dense W and a 0/1 mask M, as published sparse-training
// code does it. Inactive weights are kept at zero (ApplyMask), so the forward is a plain GEMM. Backward always
// forms the full dense gradient (some methods read it at inactive positions) and passes dW ⊙ M to W's gradient,
// or the unmasked dW when the method wants optimizer state on inactive weights (sparse momentum).
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Sprout.Core;
using Sprout.Kernels;

namespace Sprout.Sparse;

/// <summary>Dense-state masked linear op.</summary>
public static class MaskedLinearOp
{
    /// <summary>
    /// y = x·Wᵀ + b (W already masked). <paramref name="denseGradient"/> [out × in] receives the full dL/dW of the batch;
    /// W.Grad accumulates dL/dW ⊙ mask, or the full gradient when <paramref name="maskGradient"/> is false.
    /// </summary>
    public static Tensor Forward(Tensor x, Tensor weight, Tensor mask, Tensor? bias, Tensor denseGradient, bool maskGradient)
    {
        int outF = weight.Dim(0), inF = weight.Dim(1);
        if (x.Dim(-1) != inF) throw new ArgumentException($"MaskedLinear expects inputs with last dimension {inF}, got {x}.", nameof(x));
        int batch = x.Size / Math.Max(inF, 1);
        Span<int> shape = stackalloc int[x.Rank];
        x.Shape.CopyTo(shape);
        shape[^1] = outF;
        var y = Tape.NewOutput(shape);
        Gemm.Multiply(x.Data, weight.Data, y.Data, batch, outF, inF, transB: true);
        if (bias is not null) Bias.AddRows(y.Data, bias.Data, batch, outF);
        if (Tape.GradEnabled && (x.RequiresGrad || weight.RequiresGrad || bias is { RequiresGrad: true }))
        {
            var node = Node.Record(Tape.Current!);
            (node.X, node.W, node.M, node.B, node.Y, node.DenseGrad, node.MaskGradient, node.Batch) =
                (x, weight, mask, bias, y, denseGradient, maskGradient, batch);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class Node : Node<Node>
    {
        public Tensor X = null!, W = null!, M = null!, Y = null!, DenseGrad = null!;
        public Tensor? B;
        public bool MaskGradient;
        public int Batch;

        public override void Backward()
        {
            int outF = W.Dim(0), inF = W.Dim(1);
            var dy = Y.Grad;
            if (X.RequiresGrad) Gemm.Multiply(dy, W.Data, X.Grad, Batch, inF, outF, accumulate: true);
            if (B is { RequiresGrad: true }) Bias.AddRowsBackward(dy, B.Grad, Batch, outF);
            if (!W.RequiresGrad) return;
            Gemm.Multiply(dy, X.Data, DenseGrad.Data, outF, inF, Batch, transA: true);
            if (MaskGradient) TensorPrimitives.MultiplyAdd(DenseGrad.Data, M.Data, W.Grad, W.Grad);
            else TensorPrimitives.Add(W.Grad, DenseGrad.Data, W.Grad);
        }

        protected override void Clear() => (X, W, M, Y, DenseGrad, B) = (null!, null!, null!, null!, null!, null);
    }
}
