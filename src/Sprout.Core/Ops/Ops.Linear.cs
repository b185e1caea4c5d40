// Matrix products: y = x·Wᵀ + b (the linear layer, fused so the bias needs no node of its own) and a plain
// 2-d MatMul. Inputs with more than two dims are treated as [rows × last dim].
using Sprout.Kernels;

namespace Sprout.Core;

/// <summary>Differentiable primitives. Each op's backward node is defined beside its forward.</summary>
public static partial class Ops
{
    /// <summary>
    /// y[B×out] = x[B×in]·W[out×in]ᵀ + b[out]. Leading dims of x are flattened into B; y keeps them.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        int inFeatures = weight.Dim(1), outFeatures = weight.Dim(0);
        if (x.Dim(-1) != inFeatures)
            throw new ArgumentException($"Linear expects inputs with last dimension {inFeatures}, got {x}.", nameof(x));
        if (bias is not null && bias.Size != outFeatures)
            throw new ArgumentException($"Bias has {bias.Size} elements, expected {outFeatures}.", nameof(bias));
        int rows = x.Size / Math.Max(inFeatures, 1);
        Span<int> shape = stackalloc int[x.Rank];
        x.Shape.CopyTo(shape);
        shape[^1] = outFeatures;
        var y = Tape.NewOutput(shape);
        Gemm.Multiply(x.Data, weight.Data, y.Data, rows, outFeatures, inFeatures, transB: true);
        if (bias is not null) Bias.AddRows(y.Data, bias.Data, rows, outFeatures);
        if (NeedsGrad(x, weight, bias))
        {
            var node = LinearNode.Record(Tape.Current!);
            (node.X, node.W, node.B, node.Y, node.Rows) = (x, weight, bias, y, rows);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class LinearNode : Node<LinearNode>
    {
        public Tensor X = null!, W = null!, Y = null!;
        public Tensor? B;
        public int Rows;

        public override void Backward()
        {
            int outF = W.Dim(0), inF = W.Dim(1);
            var dy = Y.Grad;
            if (X.RequiresGrad) Gemm.Multiply(dy, W.Data, X.Grad, Rows, inF, outF, accumulate: true);
            if (W.RequiresGrad) Gemm.Multiply(dy, X.Data, W.Grad, outF, inF, Rows, transA: true, accumulate: true);
            if (B is { RequiresGrad: true }) Bias.AddRowsBackward(dy, B.Grad, Rows, outF);
        }

        protected override void Clear() => (X, W, B, Y) = (null!, null!, null, null!);
    }

    /// <summary>C[m×n] = A[m×k]·B[k×n] for 2-d tensors.</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank != 2 || b.Rank != 2 || a.Dim(1) != b.Dim(0))
            throw new ArgumentException($"MatMul needs [m×k]·[k×n]; got {a} and {b}.");
        int m = a.Dim(0), k = a.Dim(1), n = b.Dim(1);
        Span<int> shape = [m, n]; // a stack span: a collection expression passed directly may allocate
        var c = Tape.NewOutput(shape);
        Gemm.Multiply(a.Data, b.Data, c.Data, m, n, k);
        if (NeedsGrad(a, b))
        {
            var node = MatMulNode.Record(Tape.Current!);
            (node.A, node.B, node.C) = (a, b, c);
            c.RequiresGrad = true;
        }
        return c;
    }

    private sealed class MatMulNode : Node<MatMulNode>
    {
        public Tensor A = null!, B = null!, C = null!;

        public override void Backward()
        {
            int m = A.Dim(0), k = A.Dim(1), n = B.Dim(1);
            if (A.RequiresGrad) Gemm.Multiply(C.Grad, B.Data, A.Grad, m, k, n, transB: true, accumulate: true);
            if (B.RequiresGrad) Gemm.Multiply(A.Data, C.Grad, B.Grad, k, n, m, transA: true, accumulate: true);
        }

        protected override void Clear() => (A, B, C) = (null!, null!, null!);
    }

    // Shape of scalar results, kept static so that producing a loss allocates nothing.
    private static readonly int[] ScalarShape = [1];

    /// <summary>True when recording is on and any of the inputs requires a gradient.</summary>
    internal static bool NeedsGrad(Tensor a, Tensor? b = null, Tensor? c = null) =>
        Tape.GradEnabled && (a.RequiresGrad || b is { RequiresGrad: true } || c is { RequiresGrad: true });
}
