// Attention heads between token rows and per-head matrices. Tokens are BatchMajor rows [B·N, width] (what a Linear
// over B·N rows produces); heads are [B·h, N, d] (what BatchedMatMul wants). Split takes one part of a fused
// projection (q, k or v of a [B·N, 3·h·d] qkv); merge is its inverse for the output projection.
using Sprout.Kernels;

namespace Sprout.Core;

public static partial class Ops
{
    /// <summary>
    /// [B·N, parts·h·d] → [B·h, N, d]: part <paramref name="part"/> of each token row (columns part·h·d ..), split into
    /// <paramref name="heads"/> heads of d columns. N = <paramref name="tokens"/>; all leading dims of x form the B·N rows.
    /// </summary>
    /// <exception cref="ArgumentException">The rows are not a multiple of N, the width not a multiple of parts·heads, or part is out of range.</exception>
    public static Tensor SplitHeads(Tensor x, int tokens, int heads, int part = 0, int parts = 1)
    {
        int width = x.Dim(-1), rows = width == 0 ? 0 : x.Size / width;
        if (tokens <= 0 || heads <= 0 || parts <= 0 || rows % tokens != 0 || width % (parts * heads) != 0 || (uint)part >= (uint)parts)
            throw new ArgumentException(
                $"SplitHeads needs rows a multiple of tokens ({tokens}), width a multiple of parts·heads ({parts}·{heads}) and 0 ≤ part < parts; got {x}, part {part}.");
        int batch = rows / tokens, headDim = width / (parts * heads);
        Span<int> shape = [batch * heads, tokens, headDim];
        var y = Tape.NewOutput(shape);
        Heads.Split(x.Data, y.Data, batch, tokens, heads, headDim, width, part * heads * headDim);
        if (NeedsGrad(x))
        {
            var node = HeadsNode.Record(Tape.Current!);
            (node.Tokens, node.Heads, node.Split, node.Width, node.Offset, node.HeadCount) = (x, y, true, width, part * heads * headDim, heads);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>[B·h, N, d] → [B·N, h·d]: the heads of each token side by side (the inverse of <see cref="SplitHeads"/> with one part).</summary>
    /// <exception cref="ArgumentException">x is not rank 3 or its first dimension is not a multiple of heads.</exception>
    public static Tensor MergeHeads(Tensor x, int heads)
    {
        if (x.Rank != 3 || heads <= 0 || x.Dim(0) % heads != 0)
            throw new ArgumentException($"MergeHeads needs [B·heads, tokens, headDim] with the first dimension a multiple of {heads}; got {x}.");
        int batch = x.Dim(0) / heads, tokens = x.Dim(1), headDim = x.Dim(2), width = heads * headDim;
        Span<int> shape = [batch * tokens, width];
        var y = Tape.NewOutput(shape);
        Kernels.Heads.Merge(x.Data, y.Data, batch, tokens, heads, headDim, width, 0);
        if (NeedsGrad(x))
        {
            var node = HeadsNode.Record(Tape.Current!);
            (node.Tokens, node.Heads, node.Split, node.Width, node.Offset, node.HeadCount) = (y, x, false, width, 0, heads);
            y.RequiresGrad = true;
        }
        return y;
    }

    /// <summary>Split: Tokens is the input, Heads the output; merge: the other way round. Backward runs the inverse, accumulating.</summary>
    private sealed class HeadsNode : Node<HeadsNode>
    {
        public Tensor Tokens = null!, Heads = null!;
        public bool Split;
        public int Width, Offset, HeadCount;

        public override void Backward()
        {
            int tokens = Heads.Dim(1), headDim = Heads.Dim(2), batch = Heads.Dim(0) / HeadCount;
            if (Split) Kernels.Heads.Merge(Heads.Grad, Tokens.Grad, batch, tokens, HeadCount, headDim, Width, Offset, accumulate: true);
            else
            {
                var dHeads = Heads.GradForWrite(out bool overwrite);   // merge covers every element of the heads tensor
                Kernels.Heads.Split(Tokens.Grad, dHeads, batch, tokens, HeadCount, headDim, Width, Offset, accumulate: !overwrite);
            }
        }

        protected override void Clear() => (Tokens, Heads) = (null!, null!);
    }
}
