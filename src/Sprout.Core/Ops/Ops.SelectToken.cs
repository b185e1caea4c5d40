// One token per sample out of token rows: the class token a ViT head reads ([B·N, D] → [B, D]).
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>y[b] = x[b·N + index] for token rows x [B·N, D], N = <paramref name="tokens"/>.</summary>
    /// <exception cref="ArgumentException">x is not rank 2, N does not divide its rows, or the index is outside [0, N).</exception>
    public static Tensor SelectToken(Tensor x, int tokens, int index)
    {
        if (x.Rank != 2 || tokens <= 0 || x.Dim(0) % tokens != 0 || (uint)index >= (uint)tokens)
            throw new ArgumentException($"SelectToken needs token rows [B·N × D] with N = {tokens} dividing the rows and 0 ≤ index ({index}) < N; got {x}.");
        int batch = x.Dim(0) / tokens, dim = x.Dim(1);
        Span<int> shape = [batch, dim];
        var y = Tape.NewOutput(shape);
        ColumnBlock.Extract(x.Data, y.Data, batch, dim, tokens * dim, index * dim);
        if (NeedsGrad(x))
        {
            var node = SelectTokenNode.Record(Tape.Current!);
            (node.X, node.Y, node.Tokens, node.Index) = (x, y, tokens, index);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class SelectTokenNode : Node<SelectTokenNode>
    {
        public Tensor X = null!, Y = null!;
        public int Tokens, Index;

        public override void Backward()
        {
            int dim = Y.Dim(1);
            ColumnBlock.Insert(Y.Grad, X.Grad, Y.Dim(0), dim, Tokens * dim, Index * dim, accumulate: true);
        }

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
