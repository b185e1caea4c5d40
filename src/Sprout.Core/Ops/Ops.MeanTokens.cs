// Token mean pooling: [B·N, D] token rows → [B, D], the ViT head's x.mean(dim = 1).
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>y[b] = mean over n of x[b·N + n] for token rows x [B·N, D], N = <paramref name="tokens"/>.</summary>
    /// <exception cref="ArgumentException">x is not rank 2 or its rows are not a multiple of N.</exception>
    public static Tensor MeanTokens(Tensor x, int tokens)
    {
        if (x.Rank != 2 || tokens <= 0 || x.Dim(0) % tokens != 0)
            throw new ArgumentException($"MeanTokens needs token rows [B·N × D] with N = {tokens} dividing the rows; got {x}.");
        int batch = x.Dim(0) / tokens, dim = x.Dim(1);
        Span<int> shape = [batch, dim];
        var y = Tape.NewOutput(shape);
        TokenPooling.Mean(x.Data, y.Data, batch, tokens, dim);
        if (NeedsGrad(x))
        {
            var node = MeanTokensNode.Record(Tape.Current!);
            (node.X, node.Y, node.Tokens) = (x, y, tokens);
            y.RequiresGrad = true;
        }
        return y;
    }

    private sealed class MeanTokensNode : Node<MeanTokensNode>
    {
        public Tensor X = null!, Y = null!;
        public int Tokens;

        public override void Backward() => TokenPooling.MeanBackward(Y.Grad, X.Grad, Y.Dim(0), Tokens, Y.Dim(1));

        protected override void Clear() => (X, Y) = (null!, null!);
    }
}
