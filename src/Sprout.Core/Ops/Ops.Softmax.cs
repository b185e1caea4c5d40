// Softmax along the last axis, with an optional input scale (attention's 1/√d folded into the kernel).
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>y = softmax(scale·x) along the last axis (every other axis is a row).</summary>
    /// <exception cref="ArgumentException">The scale is not positive and finite.</exception>
    public static Tensor Softmax(Tensor x, float scale = 1f)
    {
        int cols = x.Dim(-1), rows = cols == 0 ? 0 : x.Size / cols;
        var y = Tape.NewOutput(x.Shape);
        Kernels.Softmax.Rows(x.Data, y.Data, rows, cols, scale);
        y.Layout = x.Layout;
        if (NeedsGrad(x))
        {
            var node = SoftmaxNode.Record(Tape.Current!);
            (node.X, node.Y, node.Scale, node.Rows, node.Cols) = (x, y, scale, rows, cols);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class SoftmaxNode : Node<SoftmaxNode>
    {
        public Tensor X = null!, Y = null!;
        public float Scale;
        public int Rows, Cols;

        public override void Backward() => Kernels.Softmax.RowsBackward(Y.Data, Y.Grad, X.Grad, Rows, Cols, Scale);

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
