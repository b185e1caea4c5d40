// Concatenation of two tensors along one axis. Every operand is viewed as [outer × inner] with outer the product
// of the dimensions before the axis, so the result's rows are a's row followed by b's (ColumnBlock kernels).
// ConcatTokens is the same for token rows [B·N, D], e.g. a class token [B, D] in front of patch tokens [B·N, D].
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>Joins a and b along <paramref name="axis"/> (negative counts from the end); all other dimensions must match.</summary>
    /// <exception cref="ArgumentException">The ranks differ, the axis is out of range, or another dimension differs.</exception>
    public static Tensor Concat(Tensor a, Tensor b, int axis)
    {
        int rank = a.Rank;
        if (axis < 0) axis += rank;
        bool ok = b.Rank == rank && (uint)axis < (uint)rank;
        for (int d = 0; ok && d < rank; d++) ok = d == axis || a.Dim(d) == b.Dim(d);
        if (!ok) throw new ArgumentException($"Concat along axis {axis} needs equal ranks and equal other dimensions; got {a} and {b}.");
        int outer = 1;
        for (int d = 0; d < axis; d++) outer *= a.Dim(d);
        Span<int> shape = stackalloc int[rank];
        a.Shape.CopyTo(shape);
        shape[axis] += b.Dim(axis);
        return ConcatBlocks(a, b, outer, shape);
    }

    /// <summary>
    /// Token rows of two sequences per sample joined: a [B·Na, D] and b [B·Nb, D] → [B·(Na + Nb), D], each sample's
    /// Na rows of a before its Nb rows of b (concatenation along N of [B, N, D] kept as rows).
    /// </summary>
    /// <exception cref="ArgumentException">The inputs are not rank 2 with equal widths, or their rows are not multiples of the batch.</exception>
    public static Tensor ConcatTokens(Tensor a, Tensor b, int batch)
    {
        if (a.Rank != 2 || b.Rank != 2 || a.Dim(1) != b.Dim(1) || batch <= 0 || a.Dim(0) % batch != 0 || b.Dim(0) % batch != 0)
            throw new ArgumentException($"ConcatTokens needs two [rows × D] tensors with rows a multiple of the batch ({batch}); got {a} and {b}.");
        Span<int> shape = [a.Dim(0) + b.Dim(0), a.Dim(1)];
        return ConcatBlocks(a, b, batch, shape);
    }

    private static Tensor ConcatBlocks(Tensor a, Tensor b, int outer, ReadOnlySpan<int> shape)
    {
        var y = Tape.NewOutput(shape);
        int innerA = outer == 0 ? 0 : a.Size / outer, innerB = outer == 0 ? 0 : b.Size / outer, width = innerA + innerB;
        ColumnBlock.Insert(a.Data, y.Data, outer, innerA, width, 0);
        ColumnBlock.Insert(b.Data, y.Data, outer, innerB, width, innerA);
        y.Layout = a.Layout;
        if (NeedsGrad(a, b))
        {
            var node = ConcatNode.Record(Tape.Current!);
            (node.A, node.B, node.Y, node.Outer) = (a, b, y, outer);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class ConcatNode : Node<ConcatNode>
    {
        public Tensor A = null!, B = null!, Y = null!;
        public int Outer;

        public override void Backward()
        {
            int innerA = Outer == 0 ? 0 : A.Size / Outer, innerB = Outer == 0 ? 0 : B.Size / Outer, width = innerA + innerB;
            var dy = Y.Grad;
            if (A.RequiresGrad) ColumnBlock.Extract(dy, A.Grad, Outer, innerA, width, 0, accumulate: true);
            if (B.RequiresGrad) ColumnBlock.Extract(dy, B.Grad, Outer, innerB, width, innerA, accumulate: true);
        }

        protected override void Clear() => (A, B, Y) = (null!, null!, null!);
    }
}
