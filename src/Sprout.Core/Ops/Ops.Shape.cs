// Shape ops. Tensors are contiguous and own their storage, so a reshape copies (cheap next to any matmul)
// rather than aliasing; that keeps gradient buffers one-to-one with tensors.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>Same data with a new shape of equal size.</summary>
    public static Tensor Reshape(Tensor x, ReadOnlySpan<int> shape)
    {
        var y = Tape.NewOutput(shape);
        if (y.Size != x.Size)
            throw new ArgumentException($"Cannot reshape {x} ({x.Size} elements) to [{string.Join(", ", shape.ToArray())}].");
        x.Data.CopyTo(y.Data);
        if (NeedsGrad(x))
        {
            var node = ReshapeNode.Record(Tape.Current!);
            (node.X, node.Y) = (x, y);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>[B, d1, d2, …] → [B, d1·d2·…].</summary>
    public static Tensor Flatten(Tensor x)
    {
        if (x.Rank == 2) return x;
        Span<int> shape = [x.Dim(0), x.Size / Math.Max(x.Dim(0), 1)];
        return Reshape(x, shape);
    }

    private sealed class ReshapeNode : Node<ReshapeNode>
    {
        public Tensor X = null!, Y = null!;

        public override void Backward() => Elementwise.Accumulate(Y.Grad, X.Grad);

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
