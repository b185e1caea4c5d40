// Batched matrix product over rank-3 tensors [batch, rows, cols], the attention products q·kᵀ and p·v over
// B·heads. Each of the four transpose forms has its backward in the same forms, so the node is one table.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// C[i] = op(A[i])·op(B[i]) for every i of the leading (batch) dimension, with op(A) = A or Aᵀ and op(B) = B or Bᵀ.
    /// A is [batch, m, k] ([batch, k, m] when <paramref name="transA"/>), B is [batch, k, n] ([batch, n, k] when
    /// <paramref name="transB"/>), C is [batch, m, n]. Attention scores are <c>BatchedMatMul(q, k, transB: true)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">An operand is not rank 3, the batches differ, or the inner sizes differ.</exception>
    public static Tensor BatchedMatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        if (a.Rank != 3 || b.Rank != 3 || a.Dim(0) != b.Dim(0))
            throw new ArgumentException($"BatchedMatMul needs two rank-3 tensors [batch, rows, cols] with the same batch; got {a} and {b}.");
        int batch = a.Dim(0);
        int m = transA ? a.Dim(2) : a.Dim(1), k = transA ? a.Dim(1) : a.Dim(2);
        int kb = transB ? b.Dim(2) : b.Dim(1), n = transB ? b.Dim(1) : b.Dim(2);
        if (k != kb)
            throw new ArgumentException($"BatchedMatMul inner sizes differ: op(A) is {m}×{k}, op(B) is {kb}×{n} (from {a} and {b}, transA={transA}, transB={transB}).");
        Span<int> shape = [batch, m, n];
        var c = Tape.NewOutput(shape);
        Gemm.MultiplyBatched(a.Data, b.Data, c.Data, batch, m, n, k, transA, transB);
        if (NeedsGrad(a, b))
        {
            var node = BatchedMatMulNode.Record(Tape.Current!);
            (node.A, node.B, node.C, node.TransA, node.TransB) = (a, b, c, transA, transB);
            c.RequiresGrad = true;
        }
        return c;
    }

    private sealed class BatchedMatMulNode : Node<BatchedMatMulNode>
    {
        public Tensor A = null!, B = null!, C = null!;
        public bool TransA, TransB;

        public override void Backward()
        {
            int batch = C.Dim(0), m = C.Dim(1), n = C.Dim(2), k = TransA ? A.Dim(1) : A.Dim(2);
            var dc = C.Grad;
            // With C = op(A)·op(B): d op(A) = dC·op(B)ᵀ and d op(B) = op(A)ᵀ·dC, each written in A's and B's storage order.
            // A gradient nothing has written yet (q, k, v and the attention weights have no other consumer) is overwritten,
            // which saves clearing it first.
            if (A.RequiresGrad)
            {
                var da = A.GradForWrite(out bool overwrite);
                if (!TransA) Gemm.MultiplyBatched(dc, B.Data, da, batch, m, k, n, transB: !TransB, accumulate: !overwrite);   // [m×k] = dC·op(B)ᵀ
                else Gemm.MultiplyBatched(B.Data, dc, da, batch, k, m, n, transA: TransB, transB: true, accumulate: !overwrite); // [k×m] = op(B)·dCᵀ
            }
            if (B.RequiresGrad)
            {
                var db = B.GradForWrite(out bool overwrite);
                if (!TransB) Gemm.MultiplyBatched(A.Data, dc, db, batch, k, n, m, transA: !TransA, accumulate: !overwrite);   // [k×n] = op(A)ᵀ·dC
                else Gemm.MultiplyBatched(dc, A.Data, db, batch, n, k, m, transA: true, transB: TransA, accumulate: !overwrite); // [n×k] = dCᵀ·op(A)
            }
        }

        protected override void Clear() => (A, B, C) = (null!, null!, null!);
    }
}
